"""Reading a recording: any moment, in under a keyframe's worth of work, or every moment of a window.

This is the API a recorded data source builds on (the console's replay, `report --from`,
`snapshot --from`):

    rec = await Recording.open("prod.db")                 # or "postgresql://…/history", server="prod"
    rec.first, rec.last                                   # datetimes (UTC) of the first and last record
    m = await rec.at(t)                                   # Moment at or before t (None before the first)
    m.frame, m.caps, m.catalog, m.findings()              # what the console showed then, and its Findings
    m2 = await rec.step(m, +1)                            # the next (or -1: previous) moment
    async for m in rec.moments(t1, t2): ...               # every moment of a window, in order
    async for p in rec.positions(t1, t2): p.value("locks")  # the same, decoding only what is read
    await rec.timeline(t1, t2)                            # [(at, {"w": lock waiters, "c": connections})]
    await rec.refresh()                                   # a recording still being written: newer records

Moments share unchanged views: a view the monitor did not collect again is the same
object as in the moment before (as live), so a consumer can skip work by identity.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, AsyncIterator

import zstandard

from .codec import TypeTable, from_us, to_us
from .compress import Unpacker
from .store import HistoryError, Row, ServerInfo, Store, is_uri
from .stream import Moment, RecordReader, app_counts, parse_payload

DECODE_ERRORS = (zstandard.ZstdError, json.JSONDecodeError, UnicodeDecodeError, ValueError, KeyError,
                 IndexError, TypeError, AttributeError)


class Recording:
    def __init__(self, store: Store, types: TypeTable, where: str):
        self.store, self.types, self.where = store, types, where
        self._reader: RecordReader | None = None
        self._unpacker = Unpacker()
        self._key_id: int | None = None     # the chain the reader holds, and its last record
        self._last: Row | None = None

    @classmethod
    async def open(cls, source: str, server: str | None = None) -> "Recording":
        if is_uri(source):
            from .pg_store import PgStore
            store: Store = await PgStore.open(source, server)
            where = f"{store.where} (server {store.server.name})"   # type: ignore[attr-defined]
        else:
            from .sqlite_store import SqliteStore
            store = await SqliteStore.open(source)
            where = source
            if server is not None and server != store.server.name:
                await store.close()
                raise HistoryError(f"{source} records server {store.server.name!r}, not {server!r}")
        types = TypeTable()
        for tid, name, fields in await store.types():
            types.add(tid, name, fields)
        rec = cls(store, types, where)
        if store.server.records == 0:
            await store.close()
            raise HistoryError(f"{where} holds no records yet")
        return rec

    # -- what it holds -----------------------------------------------------------------
    @property
    def server(self) -> ServerInfo:
        return self.store.server

    @property
    def first(self) -> datetime:
        return from_us(self.store.server.first_us or 0)

    @property
    def last(self) -> datetime:
        return from_us(self.store.server.last_us or 0)

    async def refresh(self) -> ServerInfo:
        info = await self.store.refresh()
        for tid, name, fields in await self.store.types():
            if tid not in self.types.by_id:
                self.types.add(tid, name, fields)
        return info

    async def timeline(self, t1: datetime | None = None, t2: datetime | None = None) -> list[tuple[datetime, dict[str, Any]]]:
        rows = await self.store.summaries(to_us(t1 or self.first), to_us(t2 or self.last))
        return [(from_us(at), s) for at, s in rows]

    # -- moments -----------------------------------------------------------------------
    async def at(self, t: datetime) -> Moment | None:
        """The moment at or before t; None when t is before the first record."""
        rows = await self.store.chain(to_us(t))
        if not rows:
            return None
        target = rows[-1]
        if (self._reader is not None and self._key_id == rows[0].id and self._last is not None
                and self._last.id <= target.id):
            rows = [r for r in rows if r.id > self._last.id]   # forward in the same chain
        else:
            self._reset()
        for row in rows:
            self._apply(row)
        return self._moment()

    async def step(self, moment: Moment, n: int = 1) -> Moment | None:
        """The moment n records after (n < 0: before) the given one; None past either end."""
        if n == 0:
            return moment
        at = await self.store.offset(to_us(moment.at), n)
        return None if at is None else await self.at(from_us(at))

    async def moments(self, t1: datetime | None = None, t2: datetime | None = None) -> AsyncIterator[Moment]:
        """Every moment from t1 to t2 (both included), in order."""
        async for p in self.positions(t1, t2):
            yield p.moment()

    async def positions(self, t1: datetime | None = None, t2: datetime | None = None) -> AsyncIterator["Position"]:
        """Every record from t1 to t2, in order, decoded only as far as asked (a window scan
        that reads a few views of each moment skips decoding the rest)."""
        lo, hi = to_us(t1 or self.first), to_us(t2 or self.last)
        self._reset()
        async for rows in self.store.scan(lo, hi):
            for row in rows:
                if self._reader is None and not row.key:
                    continue     # the keyframe of this chain was pruned: wait for the next one
                self._apply(row)
                if row.at_us >= lo:
                    yield Position(self, row)

    # -- inside ------------------------------------------------------------------------
    def _reset(self) -> None:
        self._reader, self._key_id, self._last = None, None, None

    def _apply(self, row: Row) -> None:
        try:
            payload = self._unpacker.unpack(row.blob)
            if row.key:
                self._unpacker.keyframe(payload)
                self._reader = RecordReader(self.types)
                self._key_id = row.id
            elif self._reader is None:
                raise ValueError("a change record without its keyframe")
            self._reader.apply(row.at_us, parse_payload(payload))
        except DECODE_ERRORS as exc:
            self._reset()
            raise HistoryError(f"{self.where}: record {row.id} is damaged ({type(exc).__name__}: {exc})") from None
        self._last = row

    def _moment(self) -> Moment:
        assert self._reader is not None and self._last is not None
        try:
            return self._reader.moment(self._last.id)
        except DECODE_ERRORS as exc:
            raise HistoryError(f"{self.where}: record {self._last.id} cannot be decoded "
                               f"({type(exc).__name__}: {exc})") from None

    async def close(self) -> None:
        await self.store.close()


class Position:
    """One record of a scan: valid until the scan moves on."""

    def __init__(self, rec: Recording, row: Row):
        self._rec, self.id, self.at = rec, row.id, from_us(row.at_us)
        self._reader = rec._reader

    def sampled(self, slot: str) -> bool:
        """Did this record sample the slot again (a keyframe: every slot)?"""
        assert self._reader is not None
        return slot in self._reader.sampled

    def value(self, slot: str, ages: bool = True) -> Any:
        assert self._reader is not None
        try:
            return self._reader.value(slot, ages)
        except DECODE_ERRORS as exc:
            raise HistoryError(f"{self._rec.where}: record {self.id} cannot be decoded "
                               f"({type(exc).__name__}: {exc})") from None

    def apps(self) -> dict[str, list[int]] | None:
        """Client sessions by application at this moment, {application: [sessions, active]},
        without decoding a session (None: the connections view is not available)."""
        assert self._reader is not None
        if self._reader.apps is None:
            return app_counts(self.value("connections", ages=False))
        return self._reader.apps

    def moment(self) -> Moment:
        return self._rec._moment()
