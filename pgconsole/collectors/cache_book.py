"""The cache view's counters, read in one cheap pass and added up here.

pg_statio_user_tables sums every table's index counters again on each read (a subquery
per table): at 10,000 tables and 20,000 indexes the cache view cost 120 ms a read.
`CacheBook` reads only the raw counters of the relations that were ever read
(cache_counters: one pass, no sums) and keeps, per relation oid, what it learned once
(cache_relations: which table it counts for, names, size) -- asked for oids it has not
seen and, now and then, for all of them (renames, new sizes). A table whose counters did
not move since the last read keeps its TableIO object (no new rows built for it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg

from ..capabilities import Capabilities
from ..snapshots import IndexIO, TableIO, from_records

RELATIONS_EVERY_S = 60.0   # names and sizes of the relations already known: once a minute...
RELATIONS_HIDDEN_S = 300.0  # ...every 5 minutes while no pane shows them (the header's ratio and the
                            # findings name tables; a read costs as much as a refresh at 200 sessions)


@dataclass(frozen=True)
class CacheCounter:
    oid: int
    blks_read: int
    blks_hit: int


@dataclass(frozen=True)
class CacheRelation:
    oid: int
    kind: str                  # 'heap', 'index' or 'toast'
    table_oid: int
    schemaname: str
    relname: str
    indexrelname: str | None
    table_bytes: int


class CacheBook:
    def __init__(self) -> None:
        self.rels: dict[int, CacheRelation | None] = {}   # None: not a user relation
        self._tables: dict[int, TableIO] = {}
        self._relations_at: float | None = None
        self.rows_read = 0          # counters rows of the last read (for the benchmark)
        self.relations_every_s = RELATIONS_EVERY_S

    def reset(self) -> None:
        self.rels.clear()
        self._tables.clear()
        self._relations_at = None

    async def read(self, conn: asyncpg.Connection, caps: Capabilities) -> tuple[list[TableIO], list[IndexIO]]:
        counters = from_records(CacheCounter, await conn.fetch(caps.sql("cache_counters")))
        self.rows_read = len(counters)
        now = time.monotonic()
        if self._relations_at is None or now - self._relations_at >= self.relations_every_s:
            ask = [c.oid for c in counters]
            self.rels.clear()
            self._relations_at = now
        else:
            ask = [c.oid for c in counters if c.oid not in self.rels]
        if ask:
            found = from_records(CacheRelation, await conn.fetch(caps.sql("cache_relations"), ask))
            known = {r.oid: r for r in found}
            for oid in ask:
                self.rels[oid] = known.get(oid)
        return self._sum(counters)

    def _sum(self, counters: tuple[CacheCounter, ...]) -> tuple[list[TableIO], list[IndexIO]]:
        # per table: heap read/hit, index read/hit, toast read/hit
        sums: dict[int, list[int]] = {}
        names: dict[int, CacheRelation] = {}
        indexes: list[IndexIO] = []
        for c in counters:
            rel = self.rels.get(c.oid)
            if rel is None:
                continue
            s = sums.get(rel.table_oid)
            if s is None:
                s = sums[rel.table_oid] = [0, 0, 0, 0, 0, 0]
                names[rel.table_oid] = rel
            at = 0 if rel.kind == "heap" else 2 if rel.kind == "index" else 4
            s[at] += c.blks_read
            s[at + 1] += c.blks_hit
            if rel.kind == "index":
                indexes.append(IndexIO(c.oid, rel.schemaname, rel.relname, rel.indexrelname or "",
                                       c.blks_read, c.blks_hit))
        tables: list[TableIO] = []
        kept: dict[int, TableIO] = {}
        for oid, s in sums.items():
            if s[0] + s[1] + s[2] + s[3] == 0:
                continue    # as cache_tables: tables whose heap or indexes were read
            rel = names[oid]
            old = self._tables.get(oid)
            if (old is not None and old.relname == rel.relname and old.schemaname == rel.schemaname
                    and old.size_bytes == rel.table_bytes
                    and (old.heap_blks_read, old.heap_blks_hit, old.idx_blks_read, old.idx_blks_hit,
                         old.toast_blks_read, old.toast_blks_hit) == tuple(s)):
                t = old     # did not move: the same object
            else:
                t = TableIO(oid, rel.schemaname, rel.relname, s[0], s[1], s[2], s[3], s[4], s[5], rel.table_bytes)
            kept[oid] = t
            tables.append(t)
        self._tables = kept
        return tables, indexes
