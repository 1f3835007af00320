"""What VACUUM changes and how far along it is: table figures, progress, lock holders."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import asyncpg

from ..capabilities import Capabilities
from ..snapshots import from_record


@dataclass(frozen=True)
class TableVacuumStats:
    """One table's figures at one moment (sums over the leaves of a partitioned table)."""

    leaves: int
    live_tuples: int
    dead_tuples: int
    mod_since_analyze: int
    table_bytes: int          # heap + TOAST + maps, no indexes
    total_bytes: int          # with indexes
    heap_blocks: int
    last_vacuum: dt.datetime | None
    last_autovacuum: dt.datetime | None
    last_analyze: dt.datetime | None
    last_autoanalyze: dt.datetime | None
    vacuum_count: int
    autovacuum_count: int
    analyze_count: int
    autoanalyze_count: int
    total_vacuum_ms: float | None    # 18+
    total_analyze_ms: float | None   # 18+

    def counted(self, analyze: bool) -> int:
        """How many (auto)vacuums or (auto)analyzes the statistics have recorded."""
        if analyze:
            return self.analyze_count + self.autoanalyze_count
        return self.vacuum_count + self.autovacuum_count


async def read_stats(conn: asyncpg.Connection, caps: Capabilities, relid: int) -> TableVacuumStats:
    row = await conn.fetchrow(caps.sql("table_vacuum_stats"), relid)
    return from_record(TableVacuumStats, row)


async def read_stats_after(conn: asyncpg.Connection, caps: Capabilities, relid: int, before: TableVacuumStats, analyze: bool,
                           wait_s: float = 2.0) -> TableVacuumStats:
    """Figures once the statistics show this run. 15+ records a VACUUM in shared memory
    as it ends; 13/14 send it to the stats collector, whose file can lag by ~0.5 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        after = await read_stats(conn, caps, relid)
        if after.counted(analyze) >= before.counted(analyze) + max(before.leaves, 1) or loop.time() >= deadline:
            return after
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class LockHolder:
    pid: int
    mode: str
    application_name: str
    username: str
    state: str
    xact_age_s: float | None

    def describe(self, on: str = "") -> str:
        who = ", ".join(x for x in (self.application_name or None, self.username or None, self.state or None) if x)
        age = f" for {self.xact_age_s:.0f}s" if self.xact_age_s is not None and self.xact_age_s >= 1 else ""
        held = f"pid {self.pid} holds {self.mode}" + (f" on {on}" if on else "")
        return f"{held} ({who}{age})" if who else held


async def lock_holders(conn: asyncpg.Connection, caps: Capabilities, relid: int) -> tuple[LockHolder, ...]:
    rows = await conn.fetch(caps.sql("table_lock_holders"), relid)
    return tuple(from_record(LockHolder, r) for r in rows)


@dataclass(frozen=True)
class VacuumProgress:
    """One poll of a running VACUUM/ANALYZE (fields a version or phase lacks are None)."""

    pid: int
    relid: int | None             # the relation being processed now: the table, its TOAST
    target_relid: int             # table or a partition; target_relid is the one asked for
    table: str                    # schema.name asked for
    command: str | None           # "VACUUM", "ANALYZE", None before it shows up
    phase: str                    # the server's phase name, or "waiting for lock" / "starting"
    heap_blks_total: int | None
    heap_blks_scanned: int | None
    heap_blks_vacuumed: int | None
    index_vacuum_count: int | None
    max_dead_tuples: int | None       # 13-16
    num_dead_tuples: int | None       # 13-16
    max_dead_tuple_bytes: int | None  # 17+
    dead_tuple_bytes: int | None      # 17+
    num_dead_item_ids: int | None     # 17+
    indexes_total: int | None         # 17+
    indexes_processed: int | None     # 17+
    sample_blks_total: int | None
    sample_blks_scanned: int | None
    ext_stats_total: int | None
    ext_stats_computed: int | None
    child_tables_total: int | None
    child_tables_done: int | None
    delay_ms: float | None            # 18+, with track_cost_delay_timing
    wait_event_type: str | None
    wait_event: str | None
    blocked_by: tuple[int, ...]
    running_s: float | None

    @property
    def fraction(self) -> float | None:
        """Share of the current phase done, where the phase has a measure."""
        def ratio(a: int | None, b: int | None) -> float | None:
            return min(a / b, 1.0) if a is not None and b else None
        if self.command == "ANALYZE":
            return ratio(self.sample_blks_scanned, self.sample_blks_total)
        if self.phase == "scanning heap":
            return ratio(self.heap_blks_scanned, self.heap_blks_total)
        if self.phase == "vacuuming heap":
            return ratio(self.heap_blks_vacuumed, self.heap_blks_total)
        if self.phase in ("vacuuming indexes", "cleaning up indexes"):
            return ratio(self.indexes_processed, self.indexes_total)
        return None

    @property
    def dead_items(self) -> int | None:
        """Dead tuples (13-16) or dead item ids (17+) collected so far."""
        return self.num_dead_tuples if self.num_dead_tuples is not None else self.num_dead_item_ids


async def read_progress(conn: asyncpg.Connection, caps: Capabilities, pid: int, table: str, target_relid: int) -> VacuumProgress | None:
    row = await conn.fetchrow(caps.sql("vacuum_progress"), pid)
    if row is None:
        return None
    d = dict(row)
    if d["phase"] is None:
        d["phase"] = "waiting for lock" if d["wait_event_type"] == "Lock" else "starting"
    d["blocked_by"] = tuple(d["blocked_by"] or ())
    d["table"] = table
    d["target_relid"] = target_relid
    return VacuumProgress(**d)
