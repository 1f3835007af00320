"""Snapshots of replication, WAL, I/O, the xmin horizon and autovacuum (pane 7, issue 17).

Row classes mirror the columns of pgconsole/sql/<query>/*.sql one to one, as in
snapshots.py; the view classes add what pgconsole.replication_derive works out from
two samples or from the collectors' memory (rates, how long a state has lasted).
LSNs come as text for display and as byte positions (`*_bytes`, `pg_wal_lsn_diff`
against 0/0) for arithmetic; ages of transaction IDs as `age(xid)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

VIEWS = ("replication", "wal", "io", "horizon", "autovacuum")


# -- replication -------------------------------------------------------------------
@dataclass(frozen=True)
class ReplicationStatus:
    is_standby: bool
    current_lsn: str | None           # primary: pg_current_wal_lsn(); standby: last replayed
    receive_lsn: str | None           # standby: last WAL received and flushed
    replay_lsn: str | None
    replay_pending_bytes: int | None  # standby: received but not replayed yet
    replay_age_s: float | None        # since the last replayed transaction committed on the primary
    replay_pause_state: str | None    # standby: not paused | pause requested | paused
    receiver_pid: int | None
    receiver_status: str | None       # standby: streaming, starting, waiting, ...; None: no WAL receiver
    sender_host: str | None
    sender_port: int | None
    receiver_slot: str | None
    receiver_last_msg_age_s: float | None
    hot_standby_feedback: bool
    primary_conninfo_set: bool | None   # standby: False when it does not stream at all (restore_command)
    standbys: int
    slots: int
    subscriptions: int


@dataclass(frozen=True)
class Standby:
    pid: int
    usename: str | None
    application_name: str | None
    client_addr: str | None
    client_port: int | None
    state: str | None                 # streaming, catchup, startup, backup, stopping
    sync_state: str | None
    slot_name: str | None
    slot_type: str | None             # physical | logical (a subscriber's walsender)
    sent_lsn: str | None
    replay_lsn: str | None
    sent_lag_bytes: int | None
    write_lag_bytes: int | None
    flush_lag_bytes: int | None
    replay_lag_bytes: int | None
    write_lag_s: float | None         # NULL on an idle primary: nothing to measure, not "no lag known"
    flush_lag_s: float | None
    replay_lag_s: float | None
    xmin_age: int | None              # hot_standby_feedback without a slot
    reply_age_s: float | None
    connected_s: float | None

    @property
    def logical(self) -> bool:
        return self.slot_type == "logical"


@dataclass(frozen=True)
class Slot:
    slot_name: str
    slot_type: str
    plugin: str | None
    database: str | None
    temporary: bool
    active: bool
    active_pid: int | None
    xmin_age: int | None
    catalog_xmin_age: int | None
    restart_lsn: str | None
    retained_bytes: int | None        # WAL the server keeps for it: current LSN - restart_lsn
    confirmed_lag_bytes: int | None   # logical: how far its consumer has confirmed
    wal_status: str | None            # reserved, extended, unreserved, lost
    safe_wal_size: int | None         # bytes before max_slot_wal_keep_size drops it (NULL: unlimited)
    inactive_s: float | None          # 17+: since it was last active (NULL while active)
    invalidation_reason: str | None


@dataclass(frozen=True)
class Subscription:
    subname: str
    database: str | None
    enabled: bool
    pid: int | None                   # its apply worker; NULL: not running
    received_lsn: str | None
    last_msg_age_s: float | None
    latest_end_age_s: float | None


@dataclass(frozen=True)
class DatabaseConflicts:
    datname: str
    tablespace: int
    lock: int
    snapshot: int
    bufferpin: int
    deadlock: int
    logicalslot: int | None           # 16+
    total: int


@dataclass(frozen=True)
class Replication:
    status: ReplicationStatus
    standbys: tuple[Standby, ...]
    slots: tuple[Slot, ...]
    subscriptions: tuple[Subscription, ...]
    conflicts: tuple[DatabaseConflicts, ...]   # standby only
    not_streaming_s: float | None = None       # standby: how long this session has seen no streaming
    limited: str | None = None

    @property
    def caught_up(self) -> bool | None:
        """Standby: everything received is replayed (a growing replay age then means an idle primary)."""
        s = self.status
        if not s.is_standby or s.replay_pending_bytes is None:
            return None
        return s.replay_pending_bytes <= 0


# -- WAL, checkpoints, archiver ------------------------------------------------------
@dataclass(frozen=True)
class WalRow:
    is_standby: bool
    lsn_bytes: int | None
    wal_records: int | None           # pg_stat_wal, 14+
    wal_fpi: int | None
    wal_bytes: int | None
    wal_buffers_full: int | None
    checkpoints_timed: int
    checkpoints_requested: int
    restartpoints_timed: int | None   # 17+ (before, restartpoints count as checkpoints)
    restartpoints_requested: int | None
    checkpoint_write_ms: float
    checkpoint_sync_ms: float
    checkpoint_buffers: int
    checkpoint_stats_reset: datetime | None
    checkpoint_timeout_s: float
    max_wal_size_bytes: int
    archive_mode: str
    archive_command: str | None       # hidden without pg_read_all_settings
    archived_count: int
    last_archived_wal: str | None
    last_archived_age_s: float | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_age_s: float | None
    archiver_stats_reset: datetime | None
    archive_ready: int | None         # segments waiting (.ready); needs pg_monitor
    stats_age_s: float | None         # since the checkpoint statistics were reset, or the server started


@dataclass(frozen=True)
class Wal:
    row: WalRow
    interval_s: float | None
    wal_bytes_per_s: float | None     # from the LSN (replayed WAL on a standby)
    records_per_s: float | None
    fpi_per_s: float | None
    buffers_full_delta: int | None
    checkpoints_timed_delta: int | None
    checkpoints_requested_delta: int | None
    archived_delta: int | None
    failed_delta: int | None

    @property
    def requested_share(self) -> float | None:
        r = self.row
        total = r.checkpoints_timed + r.checkpoints_requested
        return r.checkpoints_requested / total if total else None

    @property
    def archive_failing(self) -> bool:
        """The last attempt failed: failures since the last success (or none ever succeeded)."""
        r = self.row
        if not r.failed_count or r.last_failed_age_s is None:
            return False
        return r.last_archived_age_s is None or r.last_failed_age_s < r.last_archived_age_s


# -- I/O (pg_stat_io, 16+) --------------------------------------------------------------
@dataclass(frozen=True)
class IoRow:
    backend_type: str
    object: str
    context: str
    reads: int | None
    read_bytes: int | None
    read_ms: float | None
    writes: int | None
    write_bytes: int | None
    write_ms: float | None
    writebacks: int | None
    extends: int | None
    hits: int | None
    evictions: int | None
    reuses: int | None
    fsyncs: int | None
    fsync_ms: float | None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.backend_type, self.object, self.context)


@dataclass(frozen=True)
class IoStat:
    row: IoRow
    reads_per_s: float | None
    writes_per_s: float | None
    extends_per_s: float | None
    hits_per_s: float | None
    evictions_per_s: float | None
    fsyncs_per_s: float | None
    read_ms_per_s: float | None       # time spent reading per second (track_io_timing)
    write_ms_per_s: float | None


@dataclass(frozen=True)
class Io:
    rows: tuple[IoStat, ...]          # busiest first over the interval (cumulative before one)
    interval_s: float | None
    timing: bool                      # track_io_timing: times are measured, else zero


# -- the xmin horizon -----------------------------------------------------------------
@dataclass(frozen=True)
class HorizonHolder:
    kind: str                 # session | prepared | slot | standby
    holder: str               # pid, gid, slot name or the standby's application_name
    pid: int | None
    xmin_age: int | None      # transactions since the xmin (or xid) it holds
    held_s: float | None      # how long: transaction age, since PREPARE, slot inactive (17+); None: unknown
    state: str | None
    database: str | None
    user_name: str | None
    application_name: str | None
    detail: str | None        # the session's query, the slot type, the standby's address
    catalog_only: bool        # a logical slot's catalog_xmin: holds back catalogs only
    active: bool | None

    @property
    def label(self) -> str:
        return {"session": f"session {self.holder}", "prepared": f"prepared transaction {self.holder!r}",
                "slot": f"slot {self.holder}", "standby": f"standby {self.holder}"}.get(self.kind, self.holder)


@dataclass(frozen=True)
class Horizon:
    holders: tuple[HorizonHolder, ...]   # oldest first
    database: str
    limited: str | None = None

    def affecting(self, database: str | None = None) -> tuple[HorizonHolder, ...]:
        """Holders that keep vacuum in `database` (this one) from removing dead rows of user tables:
        its own sessions and prepared transactions, physical slots and standbys (all databases)."""
        db = database or self.database
        return tuple(h for h in self.holders if not h.catalog_only
                     and (h.kind in ("slot", "standby") or h.database == db))

    @property
    def oldest(self) -> HorizonHolder | None:
        held = self.affecting()
        return held[0] if held else None


# -- autovacuum -----------------------------------------------------------------------
@dataclass(frozen=True)
class AutovacuumWorker:
    pid: int
    database: str | None
    query: str | None          # "autovacuum: VACUUM public.t (to prevent wraparound)"
    running_s: float | None
    phase: str | None
    heap_blks_total: int | None
    heap_blks_scanned: int | None
    index_vacuum_count: int | None
    relation: str | None       # this database's tables by name; others from the query text

    @property
    def wraparound(self) -> bool:
        return "(to prevent wraparound)" in (self.query or "")

    @property
    def progress(self) -> float | None:
        if not self.heap_blks_total or self.heap_blks_scanned is None:
            return None
        return min(self.heap_blks_scanned / self.heap_blks_total, 1.0)

    @property
    def target(self) -> str | None:
        if self.relation:
            return self.relation
        q = (self.query or "").removeprefix("autovacuum: ")
        words = [w for w in q.replace("(to prevent wraparound)", "").split() if w not in ("VACUUM", "ANALYZE")]
        return " ".join(words) or None


@dataclass(frozen=True)
class AutovacuumSettings:
    autovacuum: bool
    track_counts: bool
    max_workers: int
    naptime_s: float
    workers_busy: int          # server-wide


@dataclass(frozen=True)
class AutovacuumTable:
    relid: int
    schemaname: str
    relname: str
    enabled: bool              # reloption autovacuum_enabled
    reltuples: float
    n_live_tup: int
    n_dead_tup: int
    vacuum_threshold: float    # base + scale x reltuples (capped by the max threshold, 18+), reloptions first
    n_ins_since_vacuum: int | None
    insert_threshold: float | None   # None: insert-triggered vacuum off (-1)
    n_mod_since_analyze: int
    analyze_threshold: float
    xid_age: int
    freeze_max_age: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    since_vacuum_s: float | None     # since the later of the two; None: never vacuumed
    reloptions: list[str] | None = field(default=None, hash=False)

    @property
    def dead_ratio(self) -> float:
        return self.n_dead_tup / max(self.vacuum_threshold, 1.0)

    @property
    def insert_ratio(self) -> float | None:
        if self.insert_threshold is None or self.n_ins_since_vacuum is None:
            return None
        return self.n_ins_since_vacuum / max(self.insert_threshold, 1.0)

    @property
    def due(self) -> str | None:
        """Why autovacuum would vacuum it now: dead rows, inserts, wraparound; None: not due."""
        if self.xid_age > self.freeze_max_age:
            return "wraparound"
        if not self.enabled:
            return None
        if self.n_dead_tup > self.vacuum_threshold:
            return "dead rows"
        ratio = self.insert_ratio
        if ratio is not None and ratio > 1.0:
            return "inserts"
        return None


@dataclass(frozen=True)
class AutovacuumNext:
    table: AutovacuumTable
    over_s: float | None       # how long this session has seen it due (None: just now, or not due)


@dataclass(frozen=True)
class Autovacuum:
    settings: AutovacuumSettings
    workers: tuple[AutovacuumWorker, ...]
    tables: tuple[AutovacuumNext, ...]   # nearest their threshold (or furthest over) first
    limited: str | None = None

    @property
    def all_busy(self) -> bool:
        return self.settings.workers_busy >= self.settings.max_workers

    def due(self) -> tuple[AutovacuumNext, ...]:
        return tuple(t for t in self.tables if t.table.due)
