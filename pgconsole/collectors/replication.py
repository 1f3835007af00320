"""Replication (standbys, slots, subscriptions; a standby's WAL receiver and replay), WAL with
checkpoints and the archiver, and pg_stat_io: the views of pane 7 that are about WAL.

Each is a round trip or a few, cheap on the server; while pane 7 is hidden they refresh
once a minute (the Findings badge reads them), on screen at their own pace.
The replication view asks for standbys, slots and subscriptions only when the status row
counted some: on a server without replication it is one query.
"""

from __future__ import annotations

import time
from dataclasses import replace

import asyncpg

from .. import replication_derive as rd
from ..capabilities import Capabilities
from ..replication_snapshots import (
    DatabaseConflicts, Io, IoRow, Replication, ReplicationStatus, Slot, Standby, Subscription, Wal, WalRow,
)
from ..snapshots import Unavailable, from_record, from_records
from .base import Collector, Context

HIDDEN_S = 60.0   # while pane 7 (and Findings) are hidden: the Findings badge is this fresh


def _stats_hint(caps: Capabilities) -> str:
    return f"GRANT pg_read_all_stats TO {caps.current_user}; (or pg_monitor)"


class ReplicationCollector(Collector):
    name = "replication"
    min_interval_s = 0.0          # shown: every refresh (lag is what one watches)
    hidden_interval_s = HIDDEN_S

    def __init__(self) -> None:
        super().__init__()
        self._not_streaming: dict[str, float] = {}

    def reset(self) -> None:
        self._not_streaming.clear()

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Replication:
        status = from_record(ReplicationStatus, await conn.fetchrow(caps.sql("replication_status")))
        standbys = (from_records(Standby, await conn.fetch(caps.sql("replication_standbys")))
                    if status.standbys else ())
        slots = from_records(Slot, await conn.fetch(caps.sql("replication_slots"))) if status.slots else ()
        subs = (from_records(Subscription, await conn.fetch(caps.sql("replication_subscriptions")))
                if status.subscriptions else ())
        conflicts = (from_records(DatabaseConflicts, await conn.fetch(caps.sql("replication_conflicts")))
                     if status.is_standby else ())
        not_streaming = rd.since(self._not_streaming, "receiver", time.monotonic(),
                                 status.is_standby and status.receiver_status != "streaming"
                                 and status.primary_conninfo_set is not False)
        limited = None
        if not caps.sees_all_sessions:
            limited = ("standbys' positions, lag and addresses, and the WAL receiver's state, are hidden "
                       "from this role: " + _stats_hint(caps))
        return Replication(status=status, standbys=standbys, slots=slots, subscriptions=subs,
                           conflicts=conflicts, not_streaming_s=not_streaming, limited=limited)


class WalCollector(Collector):
    name = "wal"
    min_interval_s = 1.5
    hidden_interval_s = HIDDEN_S

    def __init__(self) -> None:
        super().__init__()
        self.prev: WalRow | None = None
        self.prev_t: float | None = None

    def reset(self) -> None:
        self.prev = self.prev_t = None

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Wal:
        row = from_record(WalRow, await conn.fetchrow(caps.sql("wal_stats")))
        if row.archive_mode != "off" and (caps.is_superuser or caps.monitor):
            row = replace(row, archive_ready=await conn.fetchval(caps.sql("archive_ready")))
        now = time.monotonic()
        snap = rd.wal(row, self.prev, now - self.prev_t if self.prev_t is not None else None)
        self.prev, self.prev_t = row, now
        return snap


class IoCollector(Collector):
    name = "io"
    min_interval_s = 4.0
    hidden_interval_s = 300.0     # nothing but pane 7 reads it

    def __init__(self) -> None:
        super().__init__()
        self.prev: dict[tuple[str, str, str], IoRow] | None = None
        self.prev_t: float | None = None

    def reset(self) -> None:
        self.prev = self.prev_t = None

    def precheck(self, caps: Capabilities) -> Unavailable | None:
        if caps.version_num < 160000:
            return Unavailable(self.name, f"pg_stat_io needs PostgreSQL 16 or later (this is {caps.version})",
                               "I/O by backend type comes with an upgrade; WAL and checkpoint figures are "
                               "in the wal view")
        return None

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Io:
        rows = from_records(IoRow, await conn.fetch(caps.sql("io_stats")))
        now = time.monotonic()
        snap = rd.io(rows, self.prev, now - self.prev_t if self.prev_t is not None else None,
                     caps.track_io_timing)
        self.prev, self.prev_t = {r.key: r for r in rows}, now
        return snap



def replication_collectors() -> list[Collector]:
    """Pane 7's collectors, in the order they run after the others."""
    from .horizon import AutovacuumCollector, HorizonCollector
    return [ReplicationCollector(), WalCollector(), IoCollector(), HorizonCollector(), AutovacuumCollector()]
