"""Header figures: server-wide counters turned into rates, and database sizes."""

from __future__ import annotations

from dataclasses import replace

import asyncpg

from .. import derive
from ..capabilities import Capabilities
from ..snapshots import DatabaseSize, Overview, OverviewRow, from_record, from_records
from .base import Collector, Context


class OverviewCollector(Collector):
    name = "overview"
    sizes_every = 15  # database sizes stat every file: not on every poll

    def __init__(self) -> None:
        super().__init__()
        self.prev: OverviewRow | None = None
        self.sizes: tuple[DatabaseSize, ...] = ()
        self.polls = 0

    def reset(self) -> None:
        self.prev = None
        self.polls = 0

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Overview:
        # the connections query of this poll counted the sessions: not read again here
        counts = context.get("session_counts")
        row = from_record(OverviewRow, await conn.fetchrow(caps.sql("overview"), counts is None))
        if counts is not None:
            row = replace(row, connections_used=sum(c.sessions for c in counts),
                          client_states=[c.state for c in counts],
                          client_state_sessions=[c.sessions for c in counts])
        if self.polls % self.sizes_every == 0:
            self.sizes = from_records(DatabaseSize, await conn.fetch(caps.sql("database_sizes")))
        self.polls += 1
        snap = derive.overview(row, self.prev, self.sizes)
        self.prev = row
        context["overview"] = snap
        return snap
