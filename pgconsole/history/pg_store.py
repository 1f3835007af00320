"""The central store: a PostgreSQL database many recorders write into (`record --to URI`).

Schema pgconsole_history (pgconsole/sql/history_*): servers by name, each recorder's type
layouts, and the records range-partitioned by UTC day, so retention is dropping a day's
partition. With TimescaleDB installed the records are a hypertable of one-day chunks
instead, pruned by drop_chunks (that path is written to the extension's documented API
but not exercised by the test suite, which has no TimescaleDB). The same record blobs as
in a file: a reader or recorder needs nothing but this database.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any, AsyncIterator

import asyncpg

from .. import db, sqlfiles
from ..conninfo import resolve
from ..errors import PgConsoleError, describe
from ..quoting import quote_ident
from .codec import from_us, to_us
from .store import APP, HistoryError, Row, ServerInfo, check_version
from .stream import FORMAT_VERSION

LIMITS = db.SessionLimits(statement_timeout_ms=30000, lock_timeout_ms=5000)
SCAN_BATCH = 500
PRUNE_EVERY = 300          # records between two retention checks (dropping a day is rare)
GRANTS = ("GRANT USAGE ON SCHEMA pgconsole_history TO {role}; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN "
          "SCHEMA pgconsole_history TO {role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA pgconsole_history TO {role}; "
          "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pgconsole_history TO {role};")


READ_GRANTS = ("GRANT USAGE ON SCHEMA pgconsole_history TO {role}; "
               "GRANT SELECT ON ALL TABLES IN SCHEMA pgconsole_history TO {role};")


class StoreDenied(HistoryError):
    """The store refused this role something (the caller says what, and the GRANT)."""


class _Conn:
    """One session on the store, with its SQL picked for the store's server version."""

    def __init__(self, uri: str, user: str, conn: asyncpg.Connection, version: int):
        self.uri, self.user, self.conn, self.version = uri, user, conn, version

    @classmethod
    async def open(cls, uri: str, app: str) -> "_Conn":
        try:
            params = resolve(uri)
        except PgConsoleError as exc:
            raise HistoryError(f"store {uri.split('@')[-1]}: {exc}") from None
        conn = await db.connect(params, LIMITS, application_name=app)
        version = int(await conn.fetchval("SHOW server_version_num"))
        return cls(params.describe(), params.describe().split("@", 1)[0], conn, version)

    def sql(self, name: str) -> str:
        return sqlfiles.load(name, self.version)

    async def fetch(self, name: str, *args: object) -> list[Any]:
        try:
            return await self.conn.fetch(self.sql(name), *args)
        except asyncpg.InsufficientPrivilegeError as exc:
            raise StoreDenied(describe(exc)) from None
        except asyncpg.PostgresError as exc:
            raise HistoryError(f"the store {self.uri}: {describe(exc)}") from None

    async def meta(self) -> dict[str, str]:
        row = (await self.fetch("history_installed"))[0]
        if not row["installed"] or not row["has_records"]:
            return {}
        return {r["key"]: r["value"] for r in await self.fetch("history_meta")}

    async def close(self) -> None:
        try:
            await self.conn.close(timeout=5)
        except Exception:  # noqa: BLE001 - going away anyway
            self.conn.terminate()


def _ts(us: int) -> datetime:
    return from_us(us)


class PgStore:
    """Reads one server's records from the store."""

    def __init__(self, c: _Conn, server_id: int, info: ServerInfo, meta: dict[str, str]):
        self.c, self.server_id, self.server, self.meta = c, server_id, info, meta
        self.where = c.uri
        self.format_version = int(meta["format_version"])

    @classmethod
    async def open(cls, uri: str, server: str | None) -> "PgStore":
        c = await _Conn.open(uri, "pgconsole history")
        try:
            try:
                meta = await c.meta()
            except StoreDenied as exc:
                raise HistoryError(f"role {c.user} cannot read the store {c.uri} ({exc}): "
                                   + READ_GRANTS.format(role=quote_ident(c.user))) from None
            if meta.get("app") != APP:
                raise HistoryError(f"{c.uri} holds no pgconsole history (schema pgconsole_history)")
            check_version(meta.get("format_version"), f"the store {c.uri}", FORMAT_VERSION)
            servers = await c.fetch("history_servers")
            names = [r["name"] for r in servers]
            if server is None:
                if len(servers) != 1:
                    raise HistoryError(f"the store {c.uri} holds {len(servers)} servers: pick one with --server "
                                       f"({', '.join(names) or 'none yet'})")
                row = servers[0]
            else:
                row = next((r for r in servers if r["name"] == server), None)
                if row is None:
                    raise HistoryError(f"the store {c.uri} holds no server {server!r} "
                                       f"(it holds: {', '.join(names) or 'none yet'})")
            store = cls(c, row["id"], ServerInfo(row["name"], row["target"], None, None, 0), meta)
            await store.refresh()
            return store
        except BaseException:
            await c.close()
            raise

    async def refresh(self) -> ServerInfo:
        r = (await self.c.fetch("history_bounds", self.server_id))[0]
        self.server = ServerInfo(self.server.name, self.server.target,
                                 to_us(r["first_at"]) if r["first_at"] else None,
                                 to_us(r["last_at"]) if r["last_at"] else None, r["records"])
        return self.server

    async def types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return [(r["id"], r["name"], tuple(json.loads(r["fields"])))
                for r in await self.c.fetch("history_types", self.server_id)]

    @staticmethod
    def _rows(rows: list[Any]) -> list[Row]:
        return [Row(r["id"], to_us(r["at"]), r["key"], bytes(r["data"])) for r in rows]

    async def chain(self, at_us: int) -> list[Row]:
        hit = await self.c.fetch("history_last_at", self.server_id, _ts(at_us))
        if not hit:
            return []
        return self._rows(await self.c.fetch("history_chain", self.server_id, hit[0]["key_at"], hit[0]["at"]))

    async def scan(self, from_us: int, to_us_: int) -> AsyncIterator[list[Row]]:
        start = (await self.c.fetch("history_scan_start", self.server_id, _ts(from_us)))[0]["start_at"]
        if start is None:
            return
        at, rid = start - timedelta(microseconds=1), -1
        while True:
            rows = self._rows(await self.c.fetch("history_scan", self.server_id, at, rid, _ts(to_us_), SCAN_BATCH))
            if not rows:
                return
            yield rows
            at, rid = _ts(rows[-1].at_us), rows[-1].id

    async def summaries(self, from_us: int, to_us_: int) -> list[tuple[int, dict[str, Any]]]:
        rows = await self.c.fetch("history_summaries", self.server_id, _ts(from_us), _ts(to_us_))
        return [(to_us(r["at"]), json.loads(r["summary"]) if r["summary"] else {}) for r in rows]

    async def offset(self, at_us: int, n: int) -> int | None:
        name, k = ("history_next", n - 1) if n > 0 else ("history_prev", -n - 1)
        rows = await self.c.fetch(name, self.server_id, _ts(at_us), k)
        return to_us(rows[0]["at"]) if rows else None

    async def close(self) -> None:
        await self.c.close()


class PgSink:
    """One recorder's writes: its server's records, one transaction each."""

    def __init__(self, c: _Conn, server_id: int, layout: str, retention_s: float | None, max_bytes: int | None):
        self.c, self.server_id, self.layout = c, server_id, layout
        self.where = f"{c.uri} (schema pgconsole_history)"
        self.retention_s, self.max_bytes = retention_s, max_bytes
        self.next_id = 1
        self.key_at: datetime | None = None
        self._days: set[date] = set()
        self._since_prune = PRUNE_EVERY     # the first record prunes what a restart left behind

    @classmethod
    async def open(cls, uri: str, server: str, target: str, retention_s: float | None = None,
                   max_bytes: int | None = None) -> "PgSink":
        c = await _Conn.open(uri, "pgconsole record")
        try:
            try:
                meta = await install(c)
            except StoreDenied as exc:
                raise HistoryError(f"role {c.user} cannot record into the store {c.uri} ({exc}): "
                                   + GRANTS.format(role=quote_ident(c.user))) from None
            found = check_version(meta.get("format_version"), f"the store {c.uri}", FORMAT_VERSION)
            if found != FORMAT_VERSION:
                raise HistoryError(f"the store {c.uri} holds an older history format ({found}): use another database")
            role = c.user
            can = (await c.fetch("history_can_write"))[0]
            missing = [k for k in ("records", "types", "servers", "partitions") if not can[k]]
            if missing:
                raise HistoryError(f"role {role} cannot record into the store {c.uri} (no write on "
                                   f"{', '.join(missing)}): " + GRANTS.format(role=quote_ident(role)))
            if not (await c.fetch("history_lock_server", server))[0]["locked"]:
                raise HistoryError(f"server {server!r} is being recorded into {c.uri} by another pgconsole")
            server_id = (await c.fetch("history_server", server, target))[0]["id"]
            sink = cls(c, server_id, meta.get("layout", "partitioned"), retention_s, max_bytes)
            last = (await c.fetch("history_max_id", server_id))[0]
            sink.next_id = (last["id"] or 0) + 1
            return sink
        except BaseException:
            await c.close()
            raise

    async def known_types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return [(r["id"], r["name"], tuple(json.loads(r["fields"])))
                for r in await self.c.fetch("history_types", self.server_id)]

    async def _partition(self, day: date) -> None:
        if self.layout == "partitioned" and day not in self._days:
            await self.c.fetch("history_ensure_partition", day)
            self._days.add(day)

    async def append(self, at_us: int, key: bool, blob: bytes, summary: dict[str, Any],
                     new_types: list[tuple[int, str, tuple[str, ...]]]) -> None:
        at = _ts(at_us)
        key_at = at if key else self.key_at
        if key_at is None:
            raise HistoryError("internal: a change record before any keyframe")
        day = at.astimezone(timezone.utc).date()
        await self._partition(day)
        await self._partition(day + timedelta(days=1))    # midnight never waits for DDL
        conn = self.c.conn
        try:
            async with conn.transaction():
                for tid, name, fields in new_types:
                    await conn.execute(self.c.sql("history_type_add"), self.server_id, tid, name,
                                       json.dumps(list(fields)))
                await conn.execute(self.c.sql("history_append"), self.server_id, self.next_id, at, key_at, blob,
                                   json.dumps(summary, separators=(",", ":")))
        except asyncpg.InsufficientPrivilegeError as exc:
            raise HistoryError(f"the store {self.c.uri} refuses this: {describe(exc)}") from None
        except asyncpg.DiskFullError as exc:
            from .store import StoreFull
            raise StoreFull(f"the store {self.c.uri} is out of disk space: {describe(exc)}") from None
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError) as exc:
            raise HistoryError(f"cannot write to the store {self.c.uri}: {describe(exc)}") from None
        self.next_id += 1
        self.key_at = key_at
        self._since_prune += 1

    async def prune(self, now_us: int, force: bool = False) -> int:
        """Drop whole days past the retention age, then the oldest days past the size limit."""
        if not force and self._since_prune < PRUNE_EVERY:
            return 0
        self._since_prune = 0
        now = _ts(now_us)
        ts = self.layout == "timescaledb"
        dropped = 0
        if self.retention_s:
            rows = await self.c.fetch("history_drop_chunks" if ts else "history_drop_before",
                                      now - timedelta(seconds=self.retention_s))
            dropped += sum(1 for r in rows if r["dropped"])
        while self.max_bytes and await self.size_bytes() > self.max_bytes:
            today = datetime.combine(now.astimezone(timezone.utc).date(), datetime.min.time(), timezone.utc)
            rows = await self.c.fetch("history_drop_oldest_chunk" if ts else "history_drop_oldest", today)
            if not rows or not rows[0]["dropped"]:
                break      # only today's records are left: they stay
            dropped += 1
        return dropped

    async def size_bytes(self) -> int:
        name = "history_size_timescale" if self.layout == "timescaledb" else "history_size"
        size: int = (await self.c.fetch(name))[0]["bytes"]
        return size

    async def close(self) -> None:
        await self.c.close()


async def install(c: _Conn) -> dict[str, str]:
    """Create the schema on first use (the role needs CREATE on the database then); the meta."""
    meta = await c.meta()
    if meta:
        return meta
    await c.fetch("history_install_lock")
    try:
        meta = await c.meta()           # another recorder may have installed it meanwhile
        if meta:
            return meta
        has_ts = (await c.fetch("history_installed"))[0]["timescaledb"]
        async with c.conn.transaction():
            await c.conn.execute(c.sql("history_schema"))
            await c.conn.execute(c.sql("history_records_timescale" if has_ts else "history_records"))
            await c.conn.execute(c.sql("history_meta_init"), APP, str(FORMAT_VERSION))
    except asyncpg.InsufficientPrivilegeError as exc:
        raise HistoryError(f"cannot create the history schema in {c.uri} ({describe(exc)}): have a role that "
                           "may create it run this once, then grant this role write access") from None
    except asyncpg.PostgresError as exc:
        raise HistoryError(f"cannot create the history schema in {c.uri}: {describe(exc)}") from None
    finally:
        await c.fetch("history_install_unlock")
    return await c.meta()
