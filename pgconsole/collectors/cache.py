"""Buffer cache hit ratios per database, table and index, cumulative and per interval."""

from __future__ import annotations

import time

import asyncpg

from .. import derive
from ..capabilities import Capabilities
from ..snapshots import Cache, IndexIO, TableIO
from .base import Collector, Context
from .cache_book import CacheBook


class CacheCollector(Collector):
    name = "cache"
    every = 2  # per-table and per-index rows: the costliest view that runs often
    min_interval_s = 3.5
    hidden_interval_s = 10.0  # off screen (the header's index ratio, the findings): every 10 s
    share = 0.006  # at most 0.6% of a core on average (cadence.py)

    def __init__(self) -> None:
        super().__init__()
        self.prev_tables: dict[int, TableIO] | None = None
        self.prev_indexes: dict[int, IndexIO] | None = None
        self.prev_t: float | None = None
        self.book = CacheBook()

    def reset(self) -> None:
        self.prev_tables = self.prev_indexes = self.prev_t = None
        self.book.reset()

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Cache:
        tables, indexes = await self.book.read(conn, caps)
        now = time.monotonic()
        secs = now - self.prev_t if self.prev_t is not None else None
        snap = derive.cache(tables, indexes, self.prev_tables, self.prev_indexes, secs)
        self.prev_tables = {t.relid: t for t in tables}
        self.prev_indexes = {i.indexrelid: i for i in indexes}
        self.prev_t = now
        return snap
