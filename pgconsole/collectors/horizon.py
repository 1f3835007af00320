"""The xmin horizon and who holds it; autovacuum's workers and the tables next in line.

The horizon is one query over sessions, prepared transactions, slots and standbys. The
autovacuum view reads every table of this database against its own thresholds (like the
bloat view, a catalog-wide read): on screen every 5 s at most, hidden every five minutes. It
remembers since when it has seen each table due, which is how "over its threshold for
long" is known (the statistics do not say).
"""

from __future__ import annotations

import time

import asyncpg

from .. import replication_derive as rd
from ..capabilities import Capabilities
from ..errors import scrub_sql
from ..replication_snapshots import Autovacuum, AutovacuumSettings, AutovacuumTable, AutovacuumWorker, Horizon, HorizonHolder
from ..snapshots import from_record, from_records
from .base import Collector, Context

TABLE_ROWS = 50


class HorizonCollector(Collector):
    name = "horizon"
    min_interval_s = 2.0
    hidden_interval_s = 60.0

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Horizon:
        holders = from_records(HorizonHolder, await conn.fetch(caps.sql("xmin_horizon")))
        holders = tuple(h if h.kind != "session" else _scrubbed(h) for h in holders)
        limited = None
        if not caps.sees_all_sessions:
            limited = ("standbys' hot_standby_feedback and other roles' sessions may be hidden from this role: "
                       f"GRANT pg_read_all_stats TO {caps.current_user}; (or pg_monitor)")
        return Horizon(holders=holders, database=caps.current_database, limited=limited)


def _scrubbed(h: HorizonHolder) -> HorizonHolder:
    from dataclasses import replace
    clean = scrub_sql(h.detail)
    return h if clean == h.detail else replace(h, detail=clean)


class AutovacuumCollector(Collector):
    name = "autovacuum"
    min_interval_s = 5.0
    hidden_interval_s = 300.0   # the costliest of pane 7 (a catalog-wide read); "due for long" is 10 minutes
    share = 0.004   # at most 0.4% of a core (cadence.py): 120 ms at 10,000 tables -> every 30 s

    def __init__(self) -> None:
        super().__init__()
        self._seen_due: dict[int, float] = {}

    def reset(self) -> None:
        self._seen_due.clear()

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Autovacuum:
        rows = await conn.fetch(caps.sql("autovacuum_workers"))
        settings = from_record(AutovacuumSettings, rows[0])
        workers = from_records(AutovacuumWorker, [r for r in rows if r["pid"] is not None])
        tables = from_records(AutovacuumTable, await conn.fetch(caps.sql("autovacuum_tables"), TABLE_ROWS))
        limited = None
        if not caps.sees_all_sessions:
            limited = ("autovacuum workers' tables and progress are hidden from this role: "
                       f"GRANT pg_read_all_stats TO {caps.current_user}; (or pg_monitor)")
        return rd.autovacuum(settings, workers, tables, self._seen_due, time.monotonic(), limited)
