"""Header figures: server-wide counters turned into rates, and database sizes."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone

import asyncpg

from .. import derive
from ..capabilities import Capabilities
from ..snapshots import DatabaseSize, Overview, OverviewRow, Stale, from_record, from_records
from .activity import count_fields
from .base import Collector, Context
from .cadence import Cadence

SIZES_EVERY_S = 15.0   # database sizes stat every file of every database: not on every poll...
SIZES_SHARE = 0.002    # ...and at most 0.2% of a core: 160 ms at 10,000 tables -> every 80 s
# the sizes are shown by snapshots, reports and recordings, not by the console's header: while
# the caller says the overview view is not on screen (Monitor.show_views), this seldom
SIZES_HIDDEN_S = 300.0


class OverviewCollector(Collector):
    name = "overview"

    def __init__(self) -> None:
        super().__init__()
        self.prev: OverviewRow | None = None
        self.sizes: tuple[DatabaseSize, ...] = ()
        self.sizes_cadence = Cadence(SIZES_SHARE)
        self._sizes_at: float | None = None          # monotonic time of the last sizes read
        self._sizes_wall: datetime | None = None
        self.sizes_shown = True

    def sizes_every(self) -> float:
        return SIZES_EVERY_S if self.sizes_shown else SIZES_HIDDEN_S

    def reset(self) -> None:
        self.prev = None
        self._sizes_at = None
        self.sizes_cadence.reset()

    def sizes_due(self, now: float) -> bool:
        return self._sizes_at is None or now - self._sizes_at >= self.sizes_cadence.interval(self.sizes_every())

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Overview:
        # the connections query of this poll read the figures and counted the sessions: no
        # statement here (one runs when that view was not read in this poll)
        row = context.get("overview_row")
        if row is None:
            counts = context.get("session_counts")
            row = from_record(OverviewRow, await conn.fetchrow(caps.sql("overview"), counts is None))
            if counts is not None:
                row = replace(row, **count_fields(counts))
        now = time.monotonic()
        if self.sizes_due(now):
            t0 = time.perf_counter()
            self.sizes = from_records(DatabaseSize, await conn.fetch(caps.sql("database_sizes")))
            self.sizes_cadence.record(time.perf_counter() - t0)
            self._sizes_at, self._sizes_wall = now, datetime.now(timezone.utc)
        snap = derive.overview(row, self.prev, self.sizes)
        self.prev = row
        context["overview"] = snap
        return snap

    def stale_parts(self) -> dict[str, Stale]:
        """The database sizes, when their cadence slowed down and they are older than usual."""
        every = self.sizes_every()
        if self._sizes_at is None or self._sizes_wall is None or not self.sizes_cadence.slowed(every):
            return {}
        now = time.monotonic()
        if now - self._sizes_at <= every:
            return {}
        nxt = self._sizes_at + self.sizes_cadence.interval(every) - now
        return {"database_sizes": Stale(self._sizes_wall, self.sizes_cadence.reason(), nxt)}
