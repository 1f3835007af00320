"""Typed, frozen snapshots: what the collectors return and the UI renders.

Row classes mirror SQL result columns one to one (the column aliases in
pgconsole/sql/<query>/*.sql are these field names; a test holds them together).
Derived figures (rates, ratios, deltas) live on the snapshot classes and are filled
by pgconsole.derive, never by SQL, so they can be unit-tested without a server.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import itemgetter
from typing import Any, Iterable, Mapping, TypeVar

from .sqlfiles import is_own

T = TypeVar("T")

# a statement of pg_stat_statements: userid, dbid, queryid, toplevel
StatementKey = tuple[int, int, "int | None", bool]


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def from_record(cls: type[T], record: Any) -> T:
    """Build a row dataclass from an asyncpg Record (or mapping) by field name."""
    return from_records(cls, (record,))[0]


@functools.lru_cache(maxsize=None)
def _fillable(cls: type) -> bool:
    """True when filling __dict__ is all the generated __init__ would do (no hooks, no slots)."""
    return not hasattr(cls, "__post_init__") and not hasattr(cls, "__slots__")


def from_records(cls: type[T], records: Iterable[Any], reuse: Mapping[Any, T] | None = None) -> tuple[T, ...]:
    """Build row dataclasses from asyncpg Records (or mappings) by field name.

    The monitor does this for every backend on every refresh: a frozen dataclass's
    __init__ sets each field through object.__setattr__, about six times slower than
    filling the instance dict, which is what this does for Records (column positions
    looked up once per result, every field required as before).

    `reuse`: the previous sample's rows by their `key`: a row equal to its previous one is
    that very object (5,000 statements mostly unchanged from one read to the next: the new
    copies die with the Records instead of replacing the old ones, and the rewind's
    encoder finds the same row it encoded last time)."""
    records = records if isinstance(records, (list, tuple)) else list(records)
    if not records:
        return ()
    klass: type = cls   # hashable, for the caches
    names = _field_names(klass)
    first = records[0]
    if isinstance(first, Mapping) or not _fillable(klass):
        return tuple(cls(**{n: r[n] for n in names}) for r in records)
    keys = tuple(first.keys())
    missing = [n for n in names if n not in keys]
    if missing:
        raise KeyError(f"{cls.__name__}: the query returns no column {missing[0]!r}")
    new, out = object.__new__, []
    if keys == names:
        for r in records:
            obj = new(cls)
            obj.__dict__.update(zip(names, r))
            out.append(_same(obj, reuse) if reuse else obj)
    else:
        pick = itemgetter(*(keys.index(n) for n in names))
        for r in records:
            obj = new(cls)
            values = pick(r)
            obj.__dict__.update(zip(names, values if len(names) > 1 else (values,)))
            out.append(_same(obj, reuse) if reuse else obj)
    return tuple(out)


def _same(obj: T, reuse: Mapping[Any, T]) -> T:
    old = reuse.get(getattr(obj, "key"))
    return old if old is not None and old.__dict__ == obj.__dict__ else obj


@dataclass(frozen=True)
class Unavailable:
    """A view the server would not give us: why, and how to fix it."""

    view: str
    reason: str
    hint: str

    def line(self) -> str:
        return f"unavailable: {self.reason} — {self.hint}" if self.hint else f"unavailable: {self.reason}"


# -- server overview -----------------------------------------------------------
@dataclass(frozen=True)
class OverviewRow:
    version: str
    version_num: int
    started_at: datetime
    sampled_at: datetime
    is_standby: bool
    current_database: str
    max_connections: int
    reserved_connections: int      # superuser_reserved_connections, plus reserved_connections from 16
    connections_used: int
    xact_commit: int
    xact_rollback: int
    tup_returned: int
    tup_fetched: int
    tup_inserted: int
    tup_updated: int
    tup_deleted: int
    blks_read: int
    blks_hit: int
    temp_bytes: int
    temp_files: int
    deadlocks: int
    checkpoints_timed: int
    checkpoints_requested: int
    checkpoint_buffers_written: int
    stats_reset_epoch: float | None
    client_states: list[str] | None = field(default=None, hash=False)          # by state, sorted
    client_state_sessions: list[int] | None = field(default=None, hash=False)  # ... and their counts


@dataclass(frozen=True)
class DatabaseSize:
    datname: str
    size_bytes: int | None  # None: no CONNECT privilege and no pg_read_all_stats
    numbackends: int


@dataclass(frozen=True)
class Overview:
    row: OverviewRow
    databases: tuple[DatabaseSize, ...]
    interval_s: float | None
    tps: float | None
    rows_read_per_s: float | None
    rows_written_per_s: float | None
    temp_bytes_per_s: float | None
    deadlocks_delta: int | None
    hit_ratio: float | None            # cumulative, all databases (pg_stat_database)
    hit_ratio_interval: float | None   # over the last interval

    @property
    def uptime_s(self) -> float:
        return (self.row.sampled_at - self.row.started_at).total_seconds()

    @property
    def usable_connections(self) -> int:
        """Slots for ordinary roles: max_connections less superuser_reserved_connections
        and (16+) reserved_connections. The header, snapshot, report and findings all count
        against this (the README says so)."""
        return max(self.row.max_connections - self.row.reserved_connections, 1)

    @property
    def connection_use(self) -> float:
        return self.row.connections_used / self.usable_connections


# -- connections -----------------------------------------------------------------
@dataclass(frozen=True)
class Backend:
    pid: int
    usename: str | None
    datname: str | None
    application_name: str | None
    client_addr: str | None
    client_port: int | None
    backend_type: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    backend_age_s: float | None
    xact_age_s: float | None
    query_age_s: float | None
    state_age_s: float | None
    query: str | None
    query_id: int | None
    leader_pid: int | None
    is_self: bool
    xmin_age: int | None
    # while it waits on a lock (wait_event_type 'Lock'); None otherwise
    blocked_by: list[int] | None = field(default=None, hash=False)
    lock_type: str | None = None
    lock_mode: str | None = None
    lock_relation: str | None = None
    lock_wait_s: float | None = None

    @property
    def waiting_on_lock(self) -> bool:
        return self.wait_event_type == "Lock"

    @property
    def is_client(self) -> bool:
        """A client session: another role's shows no type to a role without pg_read_all_stats,
        but has a database and a user, which background processes do not."""
        return self.backend_type == "client backend" or (
            self.backend_type is None and self.datname is not None and self.usename is not None)

    @property
    def idle_in_transaction(self) -> bool:
        return (self.state or "").startswith("idle in transaction")

    @property
    def client(self) -> str:
        if self.client_addr:
            return f"{self.client_addr}:{self.client_port}" if self.client_port else self.client_addr
        return "local" if self.client_port == -1 else ""


@dataclass(frozen=True)
class ConnectionsRow(Backend):
    """A row of the connections query: a Backend, and on the console's own row only the count
    of client sessions by state and the overview's figures (None on the others: OverviewRow's
    fields but the count). The collector reads those apart (pgconsole.collectors.activity)
    and builds Backends of the rest."""
    client_state_counts: str | None = None   # JSON: client sessions by state ({"idle": 200, ...})
    version: str | None = None
    version_num: int | None = None
    started_at: datetime | None = None
    sampled_at: datetime | None = None
    is_standby: bool | None = None
    current_database: str | None = None
    max_connections: int | None = None
    reserved_connections: int | None = None
    xact_commit: int | None = None
    xact_rollback: int | None = None
    tup_returned: int | None = None
    tup_fetched: int | None = None
    tup_inserted: int | None = None
    tup_updated: int | None = None
    tup_deleted: int | None = None
    blks_read: int | None = None
    blks_hit: int | None = None
    temp_bytes: int | None = None
    temp_files: int | None = None
    deadlocks: int | None = None
    checkpoints_timed: int | None = None
    checkpoints_requested: int | None = None
    checkpoint_buffers_written: int | None = None
    stats_reset_epoch: float | None = None


@dataclass(frozen=True)
class StateCount:
    state: str
    sessions: int


@dataclass(frozen=True)
class Connections:
    backends: tuple[Backend, ...]
    counts_by_state: dict[str, int] = field(hash=False)  # client sessions, idle ones included always
    idle_in_transaction: tuple[tuple[int, float], ...]  # (pid, seconds in that state), oldest first
    limited: str | None = None  # what this role cannot see, and the GRANT that fixes it
    all_sessions: bool = True   # False: idle sessions that block nobody are left out of backends

    def by_pid(self) -> dict[int, Backend]:
        return {b.pid: b for b in self.backends}


# -- locks -------------------------------------------------------------------------
@dataclass(frozen=True)
class LockWait:
    pid: int
    blocked_by: list[int] = field(hash=False)
    locktype: str | None = None
    mode: str | None = None
    relation: str | None = None
    wait_s: float | None = None


@dataclass(frozen=True)
class LockNode:
    """One session in the blocking tree. pid 0 is a prepared transaction."""

    pid: int
    depth: int
    blocked_by: tuple[int, ...]
    waiters: tuple[int, ...]
    locktype: str | None
    mode: str | None
    relation: str | None
    wait_s: float | None
    backend: Backend | None
    total_blocked: int  # everything below this node, directly or not


@dataclass(frozen=True)
class Locks:
    roots: tuple[int, ...]               # root blockers, the most harmful first
    nodes: tuple[LockNode, ...]          # depth-first order, ready to draw as a tree
    waiting_count: int
    limited: str | None = None           # what this role cannot see (other roles' waits), and the fix

    def node(self, pid: int) -> LockNode | None:
        for n in self.nodes:
            if n.pid == pid:
                return n
        return None


@dataclass(frozen=True)
class HeldLock:
    locktype: str
    mode: str
    granted: bool
    relation: str | None
    wait_s: float | None


# -- cache -------------------------------------------------------------------------
@dataclass(frozen=True)
class TableIO:
    relid: int
    schemaname: str
    relname: str
    heap_blks_read: int
    heap_blks_hit: int
    idx_blks_read: int
    idx_blks_hit: int
    toast_blks_read: int
    toast_blks_hit: int
    size_bytes: int


@dataclass(frozen=True)
class IndexIO:
    indexrelid: int
    schemaname: str
    relname: str
    indexrelname: str
    idx_blks_read: int
    idx_blks_hit: int


@dataclass(frozen=True)
class TableCache:
    io: TableIO
    heap_ratio: float | None
    idx_ratio: float | None
    toast_ratio: float | None
    heap_ratio_interval: float | None
    blks_read_per_s: float | None
    blks_hit_per_s: float | None


@dataclass(frozen=True)
class IndexCache:
    io: IndexIO
    ratio: float | None
    ratio_interval: float | None
    blks_read_per_s: float | None


@dataclass(frozen=True)
class Cache:
    heap_ratio: float | None
    idx_ratio: float | None
    heap_ratio_interval: float | None
    idx_ratio_interval: float | None
    blks_read_per_s: float | None
    blks_hit_per_s: float | None
    tables: tuple[TableCache, ...]    # worst heap ratio first, among tables that read anything
    indexes: tuple[IndexCache, ...]


# -- statements --------------------------------------------------------------------
@dataclass(frozen=True)
class StatementRow:
    queryid: int | None
    userid: int
    dbid: int
    toplevel: bool
    usename: str | None
    datname: str | None
    calls: int
    total_exec_ms: float
    mean_exec_ms: float
    max_exec_ms: float
    stddev_exec_ms: float
    total_plan_ms: float
    rows: int
    shared_blks_hit: int
    shared_blks_read: int
    shared_blks_dirtied: int
    shared_blks_written: int
    temp_blks_read: int
    temp_blks_written: int
    io_read_ms: float
    io_write_ms: float

    @property
    def key(self) -> StatementKey:
        return (self.userid, self.dbid, self.queryid, self.toplevel)


@dataclass(frozen=True, slots=True)   # 5,000 a read (pg_stat_statements.max): no __dict__ each
class Statement:
    row: StatementRow
    query: str | None
    hit_ratio: float | None
    # over the last interval; None on the first sample, and always for hidden entries
    d_calls: int | None
    d_total_ms: float | None
    d_rows: int | None
    d_io_ms: float | None
    d_temp_blks: int | None
    # > 0: not one statement but this many entries of another role, folded together: this
    # role may not see their queryid or text (no pg_read_all_stats), so none can be told apart
    hidden_entries: int = 0

    @property
    def d_mean_ms(self) -> float | None:
        if self.d_calls:
            return (self.d_total_ms or 0.0) / self.d_calls
        return None

    @property
    def hidden(self) -> bool:
        return self.hidden_entries > 0

    @property
    def own(self) -> bool:
        """Sent by pgconsole itself (its SQL carries sqlfiles.MARKER)."""
        return is_own(self.query)


@dataclass(frozen=True)
class Statements:
    statements: tuple[Statement, ...]
    total_exec_ms: float
    interval_s: float | None
    ext_schema: str
    ext_version: str
    limited: str | None = None
    reset_at: datetime | None = None     # when pg_stat_statements last started counting (1.9+), else None


# -- bloat and vacuum --------------------------------------------------------------
@dataclass(frozen=True)
class TableBloatRow:
    relid: int
    schemaname: str
    relname: str
    size_bytes: int
    est_bloat_bytes: float | None   # None: no estimate (no pg_stats rows for every column, or never analyzed)
    est_bloat_pct: float | None
    n_live_tup: int
    n_dead_tup: int
    n_mod_since_analyze: int
    last_vacuum: datetime | None
    last_autovacuum: datetime | None
    last_analyze: datetime | None
    last_autoanalyze: datetime | None
    stats_age_s: float | None       # since the last (auto)analyze
    no_estimate_reason: str | None
    # over every table, not only the rows kept (the report's totals): the same on every row
    all_estimated: int | None = None
    all_est_bloat_bytes: float | None = None
    all_dead_rows: int | None = None


@dataclass(frozen=True)
class IndexBloatRow:
    indexrelid: int
    schemaname: str
    relname: str
    indexrelname: str
    size_bytes: int
    est_bloat_bytes: float | None
    est_bloat_pct: float | None
    no_estimate_reason: str | None
    all_est_bloat_bytes: float | None = None   # over every B-tree index, not only the rows kept


@dataclass(frozen=True)
class Bloat:
    tables: tuple[TableBloatRow, ...]    # most estimated waste first
    indexes: tuple[IndexBloatRow, ...]
    method: str


@dataclass(frozen=True)
class ExactBloat:
    """pgstattuple's figures for one relation (reads the whole table)."""

    table_len: int
    tuple_count: int
    tuple_len: int
    tuple_percent: float
    dead_tuple_count: int
    dead_tuple_len: int
    dead_tuple_percent: float
    free_space: int
    free_percent: float


@dataclass(frozen=True)
class Stale:
    """A view shown from an older read: since when, why, and when the next read is due."""

    since: datetime            # when the value shown was read
    reason: str                # SLOW or TIMED_OUT (our own words, never server text)
    next_in_s: float           # seconds until the next read is due

    def line(self) -> str:
        return (f"stale since {self.since.astimezone().strftime('%H:%M:%S')} "
                f"({self.reason}, next in {max(self.next_in_s, 0):.0f} s)")


# -- one polling round -------------------------------------------------------------
View = Any  # a snapshot above, an Unavailable, or None (not collected yet)


@dataclass(frozen=True)
class Frame:
    """Everything one poll produced. Views not refreshed this round keep their last value."""

    seq: int
    sampled_at: datetime
    overview: Overview | Unavailable | None
    connections: Connections | Unavailable | None
    locks: Locks | Unavailable | None
    cache: Cache | Unavailable | None
    statements: Statements | Unavailable | None
    bloat: Bloat | Unavailable | None
    own_pid: int | None = None
    poll_ms: float = 0.0           # wall time of this round's queries
    errors: tuple[str, ...] = ()   # transient errors this round, one line each
    # pane 7 (replication_snapshots.py): Replication, Wal, Io, Horizon, Autovacuum
    replication: Any = None
    wal: Any = None
    io: Any = None
    horizon: Any = None
    autovacuum: Any = None
    # views shown from an older read (an expensive one that slowed itself down, or a
    # transient timeout): view name (or "database_sizes") -> Stale
    stale: dict[str, Stale] = field(default_factory=dict, hash=False, compare=False)
