"""Estimated table and index bloat with vacuum state; exact figures on request."""

from __future__ import annotations

import asyncpg

from ..capabilities import Capabilities
from ..errors import PgConsoleError
from ..snapshots import Bloat, ExactBloat, IndexBloatRow, TableBloatRow, Unavailable, from_record, from_records
from .base import Collector, Context

METHOD = ("catalog estimate (ioguix method): reltuples and pg_stats average widths vs pages on disk; "
          "as fresh as the last ANALYZE")


class BloatCollector(Collector):
    name = "bloat"
    every = 15  # reads the whole catalog and pg_stats: not on every poll
    min_interval_s = 25.0
    # off screen (the findings, the pane bar): bloat grows over hours, and a read once a minute
    # (7 + 4 ms on pgbench's tables) added a third to what 2 s refreshes cost at 200 sessions
    hidden_interval_s = 300.0
    share = 0.003  # at most 0.3% of a core: 0.5 s at 10,000 tables -> every 170 s

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Bloat:
        tables = from_records(TableBloatRow, await conn.fetch(caps.sql("table_bloat")))
        indexes = from_records(IndexBloatRow, await conn.fetch(caps.sql("index_bloat")))
        return Bloat(tables=tables, indexes=indexes, method=METHOD)


async def exact_bloat(conn: asyncpg.Connection, caps: Capabilities, relid: int) -> ExactBloat:
    """pgstattuple on one table: reads all of it, bounded by the session's statement_timeout."""
    if not caps.pgstattuple_schema:
        raise PgConsoleError("pgstattuple is not installed in this database: CREATE EXTENSION pgstattuple;")
    return from_record(ExactBloat, await conn.fetchrow(caps.sql("pgstattuple"), relid))


def unavailable_pgstattuple() -> Unavailable:
    return Unavailable("bloat", "pgstattuple is not installed", "CREATE EXTENSION pgstattuple;")
