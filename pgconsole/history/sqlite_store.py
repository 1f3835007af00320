"""The embedded store: one SQLite file per recorded server (stdlib sqlite3, WAL).

One transaction per record, synchronous=NORMAL: a killed recorder loses at most the
record it was writing, and the file stays readable (the write-ahead log is replayed by
the next open). One recorder per file (an flock on it); any number of readers.
Retention deletes whole keyframe chains, oldest first, by age and by size; freed pages
are reused, so the file stays near --max-size instead of growing.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, AsyncIterator

from .. import __version__
from .store import APP, HistoryError, Row, ServerInfo, StoreFull, check_version
from .stream import FORMAT_VERSION

HEADER = b"SQLite format 3\x00"
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE types (id INTEGER PRIMARY KEY, name TEXT NOT NULL, fields TEXT NOT NULL);
CREATE TABLE records (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, key_id INTEGER NOT NULL,
                      data BLOB NOT NULL, summary TEXT);
CREATE INDEX records_at ON records (at);
"""
PRUNE_EVERY = 30          # records between two retention checks
SCAN_BATCH = 500
LOW_SPACE = 1 << 20       # an I/O error with less free space than this is a full disk


def _damaged(path: str, exc: BaseException) -> HistoryError:
    return HistoryError(f"{path} is damaged or truncated ({exc}): it cannot be read")


def _check_header(path: str) -> bool:
    """True for an SQLite file, False for an empty one; refuses anything else."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(HEADER))
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise HistoryError(f"{path} is a directory, not a recording") from None
    except OSError as exc:
        raise HistoryError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not head:
        return False
    if head != HEADER:
        raise HistoryError(f"{path} is not a pgconsole recording (not an SQLite file)")
    return True


def _meta(db: sqlite3.Connection, path: str) -> dict[str, str]:
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        if "no such table" in str(exc):
            raise HistoryError(f"{path} is an SQLite file but not a pgconsole recording") from None
        raise _damaged(path, exc) from None
    if meta.get("app") != APP:
        raise HistoryError(f"{path} is an SQLite file but not a pgconsole recording")
    return meta


class SqliteStore:
    """Reads a recording file (read-only: the recorder may be writing it meanwhile)."""

    def __init__(self, path: str, db: sqlite3.Connection, meta: dict[str, str]):
        self.path, self.db, self.meta = path, db, meta
        self.format_version = int(meta["format_version"])
        self.server = ServerInfo(meta.get("server", ""), meta.get("target", ""), None, None, 0)

    @classmethod
    async def open(cls, path: str) -> "SqliteStore":
        if not _check_header(path):
            raise HistoryError(f"{path} is empty: not a pgconsole recording")
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise HistoryError(f"cannot open {path}: {exc}") from None
        meta = _meta(db, path)
        check_version(meta.get("format_version"), path, FORMAT_VERSION)
        store = cls(path, db, meta)
        await store.refresh()
        return store

    def _q(self, sql: str, *args: object) -> list[Any]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    async def refresh(self) -> ServerInfo:
        # no count(*) (a scan of every record): retention deletes only the oldest ids, so the
        # ids left are consecutive; min(at) and max(at) alone are one index probe each
        first = self._q("SELECT min(at) FROM records")[0][0]
        last = self._q("SELECT max(at) FROM records")[0][0]
        lo = self._q("SELECT min(id) FROM records")[0][0]
        hi = self._q("SELECT max(id) FROM records")[0][0]
        n = (hi - lo + 1) if hi is not None else 0
        self.server = ServerInfo(self.server.name, self.server.target, first, last, n)
        return self.server

    async def types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return [(i, n, tuple(json.loads(f))) for i, n, f in self._q("SELECT id, name, fields FROM types")]

    async def chain(self, at_us: int) -> list[Row]:
        hit = self._q("SELECT id, key_id FROM records WHERE at <= ? ORDER BY at DESC, id DESC LIMIT 1", at_us)
        if not hit:
            return []
        rid, key_id = hit[0]
        return self._rows(key_id, rid)

    def _rows(self, from_id: int, to_id: int) -> list[Row]:
        return [Row(i, at, bool(k), d) for i, at, k, d in self._q(
            "SELECT id, at, id = key_id, data FROM records WHERE id BETWEEN ? AND ? ORDER BY id", from_id, to_id)]

    async def scan(self, from_us: int, to_us: int) -> AsyncIterator[list[Row]]:
        start = self._q("SELECT key_id FROM records WHERE at <= ? ORDER BY at DESC, id DESC LIMIT 1", from_us)
        if start:
            lo = start[0][0]
        else:
            first = self._q("SELECT min(id) FROM records WHERE id = key_id")
            if first[0][0] is None:
                return
            lo = first[0][0]
        end = self._q("SELECT max(id) FROM records WHERE at <= ?", to_us)[0][0]
        if end is None:
            return
        while lo <= end:
            rows = self._rows(lo, min(lo + SCAN_BATCH - 1, end))
            if rows:
                yield rows
            lo += SCAN_BATCH

    async def summaries(self, from_us: int, to_us: int) -> list[tuple[int, dict[str, Any]]]:
        return [(at, json.loads(s) if s else {}) for at, s in self._q(
            "SELECT at, summary FROM records WHERE at BETWEEN ? AND ? ORDER BY id", from_us, to_us)]

    async def offset(self, at_us: int, n: int) -> int | None:
        """The time of the record n records after (n < 0: before) the one at at_us."""
        if n > 0:
            hit = self._q("SELECT at FROM records WHERE at > ? ORDER BY at, id LIMIT 1 OFFSET ?", at_us, n - 1)
        else:
            hit = self._q("SELECT at FROM records WHERE at < ? ORDER BY at DESC, id DESC LIMIT 1 OFFSET ?",
                          at_us, -n - 1)
        return hit[0][0] if hit else None

    async def close(self) -> None:
        self.db.close()


class SqliteSink:
    """Appends records to a recording file; creates it, or continues one of the same server."""

    def __init__(self, path: str, db: sqlite3.Connection, lock_fd: int, retention_s: float | None,
                 max_bytes: int | None):
        self.where = path
        self.db, self._lock_fd = db, lock_fd
        self.retention_us = int(retention_s * 1e6) if retention_s else None
        self.max_bytes = max_bytes
        self.next_id = (db.execute("SELECT max(id) FROM records").fetchone()[0] or 0) + 1
        self.key_id: int | None = None
        self._since_prune = PRUNE_EVERY     # the first record prunes what a restart left behind

    @classmethod
    async def open(cls, path: str, server: str, target: str, retention_s: float | None = None,
                   max_bytes: int | None = None) -> "SqliteSink":
        exists = os.path.exists(path) and _check_header(path)
        if os.path.isdir(path):
            raise HistoryError(f"{path} is a directory, not a recording")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise HistoryError(f"cannot write {path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise HistoryError(f"{path} is being recorded by another pgconsole") from None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            if exists:
                meta = _meta(db, path)
                found = check_version(meta.get("format_version"), path, FORMAT_VERSION)
                if found != FORMAT_VERSION:
                    raise HistoryError(f"{path} holds an older recording format ({found}): record to a new file")
                if meta.get("server") != server:
                    raise HistoryError(f"{path} records server {meta.get('server')!r}, not {server!r}: "
                                       "record to another file (or pass the same --name)")
                if db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                    raise HistoryError(f"{path} is damaged: record to a new file")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA journal_size_limit=16777216")
            if not exists:
                db.execute("BEGIN IMMEDIATE")
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)", [
                    ("app", APP), ("format_version", str(FORMAT_VERSION)), ("server", server),
                    ("target", target), ("written_by", f"pgconsole {__version__}")])
                db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            os.close(fd)
            raise _damaged(path, exc) from None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, db, fd, retention_s, max_bytes)

    async def known_types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return [(i, n, tuple(json.loads(f))) for i, n, f in self.db.execute("SELECT id, name, fields FROM types")]

    async def append(self, at_us: int, key: bool, blob: bytes, summary: dict[str, Any],
                     new_types: list[tuple[int, str, tuple[str, ...]]]) -> None:
        rid = self.next_id
        key_id = rid if key else self.key_id
        if key_id is None:
            raise HistoryError("internal: a change record before any keyframe")
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.executemany("INSERT OR REPLACE INTO types VALUES (?, ?, ?)",
                                    [(i, n, json.dumps(list(f))) for i, n, f in new_types])
                self.db.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                                (rid, at_us, key_id, blob, json.dumps(summary, separators=(",", ":"))))
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._write_error(exc) from None
        self.next_id, self.key_id = rid + 1, key_id
        self._since_prune += 1

    def _write_error(self, exc: sqlite3.Error) -> HistoryError:
        full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc)
        if not full:
            try:
                st = os.statvfs(os.path.dirname(os.path.abspath(self.where)))
                full = st.f_bavail * st.f_frsize < LOW_SPACE
            except OSError:
                pass
        if full:
            return StoreFull(f"no space left on the device of {self.where}: recording stopped "
                             f"({self.next_id - 1} records kept, the file is intact)")
        return HistoryError(f"cannot write {self.where}: {exc}")

    async def prune(self, now_us: int, force: bool = False) -> int:
        """Delete the oldest chains past the retention age or the size limit; how many records went."""
        if not force and self._since_prune < PRUNE_EVERY:
            return 0
        self._since_prune = 0
        gone = 0
        try:
            if self.retention_us:
                cut = self.db.execute("SELECT max(id) FROM records WHERE id = key_id AND at <= ?",
                                      (now_us - self.retention_us,)).fetchone()[0]
                if cut is not None:
                    gone += self._delete_before(cut)
            while self.max_bytes and await self.size_bytes() > self.max_bytes:
                keys = self.db.execute("SELECT id FROM records WHERE id = key_id ORDER BY id LIMIT 2").fetchall()
                if len(keys) < 2:
                    break   # only the chain being written is left: it stays
                gone += self._delete_before(keys[1][0])
        except sqlite3.Error as exc:
            raise self._write_error(exc) from None
        return gone

    def _delete_before(self, rid: int) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        n = self.db.execute("DELETE FROM records WHERE id < ?", (rid,)).rowcount
        self.db.execute("COMMIT")
        return n

    async def size_bytes(self) -> int:
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        free = self.db.execute("PRAGMA freelist_count").fetchone()[0]
        size = self.db.execute("PRAGMA page_size").fetchone()[0]
        used: int = (pages - free) * size
        return used

    def file_bytes(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += Path(self.where + suffix).stat().st_size
            except OSError:
                pass
        return total

    async def close(self) -> None:
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass   # a full disk may refuse even this: the log is replayed on the next open
        self.db.close()
        os.close(self._lock_fd)

