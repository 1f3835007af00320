"""Rows of the catalog queries the checks and the report read (pgconsole/sql/<name>/).

Field names are the SQL column aliases, one to one (a test holds them together).
`Catalog` holds one run's results; a query the server refused is an Unavailable in
its slot, so the checks that need it report themselves unavailable and the rest run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..snapshots import Unavailable

if TYPE_CHECKING:
    from .model import Thresholds


@dataclass(frozen=True)
class ServerContext:
    current_database: str
    started_at: datetime
    sampled_at: datetime
    stats_reset: datetime | None
    shared_buffers: str
    idle_in_transaction_session_timeout: str
    autovacuum: bool
    track_counts: bool
    autovacuum_freeze_max_age: int
    is_standby: bool


@dataclass(frozen=True)
class DatabaseCreated:
    created_at: datetime | None


@dataclass(frozen=True, slots=True)   # tens of thousands on a big catalog: no __dict__ each
class IndexUsage:
    indexrelid: int
    relid: int
    schemaname: str
    relname: str
    indexrelname: str
    size_bytes: int
    idx_scan: int
    idx_tup_read: int
    is_unique: bool
    is_primary: bool
    is_valid: bool
    being_built: bool
    constraint_name: str | None
    is_replica_identity: bool
    method: str
    definition: str
    is_partial: bool
    is_partition_index: bool
    table_rows: float
    table_seq_scan: int
    table_idx_scan: int
    supports_fk: str | None


@dataclass(frozen=True, slots=True)   # tens of thousands on a big catalog: no __dict__ each
class TableUsage:
    relid: int
    schemaname: str
    relname: str
    relkind: str
    is_partition: bool
    reltuples: float
    n_live_tup: int
    seq_scan: int
    seq_tup_read: int
    idx_scan: int
    n_tup_ins: int
    n_tup_upd: int
    n_tup_del: int
    last_seq_scan: datetime | None
    table_bytes: int
    index_bytes: int
    total_bytes: int
    has_primary_key: bool
    unique_not_null_index: str | None
    replica_identity: str

    @property
    def scans(self) -> int:
        return self.seq_scan + self.idx_scan


@dataclass(frozen=True, slots=True)   # tens of thousands on a big catalog: no __dict__ each
class DuplicateIndexPair:
    schemaname: str
    relname: str
    kind: str             # identical | prefix
    a_name: str
    a_def: str
    a_bytes: int
    a_unique: bool
    a_primary: bool
    a_constraint: str | None
    a_scans: int
    b_name: str
    b_def: str
    b_bytes: int
    b_unique: bool
    b_primary: bool
    b_constraint: str | None
    b_scans: int


@dataclass(frozen=True)
class ForeignKeyNoIndex:
    conid: int
    schemaname: str
    relname: str
    conname: str
    ref_schemaname: str
    ref_relname: str
    columns: list[str]
    table_rows: float
    table_bytes: int
    ref_updates_deletes: int


@dataclass(frozen=True)
class SequenceUsage:
    seqid: int
    schemaname: str
    sequencename: str
    data_type: str
    min_value: int
    max_value: int
    increment_by: int
    cycle: bool
    last_value: int | None
    col_schemas: list[str] | None   # the columns it feeds, as parallel arrays
    col_tables: list[str] | None
    col_names: list[str] | None
    col_types: list[str] | None
    column_max: int | None
    column_min: int | None
    is_identity: bool

    def columns(self) -> list[tuple[str, str, str, str]]:
        """(schema, table, column, type) of every column it feeds."""
        if not self.col_names:
            return []
        return list(zip(self.col_schemas or (), self.col_tables or (), self.col_names, self.col_types or ()))

    def limits(self) -> tuple[int, int]:
        """The values it may really reach: its own range narrowed by the columns it feeds."""
        hi = min(self.max_value, self.column_max) if self.column_max is not None else self.max_value
        lo = max(self.min_value, self.column_min) if self.column_min is not None else self.min_value
        return lo, hi

    def used(self) -> float | None:
        """Share of the usable range consumed, in the direction it counts; None if unknown."""
        if self.last_value is None:
            return None
        lo, hi = self.limits()
        if hi <= lo:
            return 1.0
        if self.increment_by >= 0:
            start = max(self.min_value, lo)
            return max(0.0, min(1.0, (self.last_value - start) / (hi - start))) if hi > start else 1.0
        start = min(self.max_value, hi)
        return max(0.0, min(1.0, (start - self.last_value) / (start - lo))) if start > lo else 1.0

    def remaining(self) -> int | None:
        if self.last_value is None:
            return None
        lo, hi = self.limits()
        steps = (hi - self.last_value) if self.increment_by >= 0 else (self.last_value - lo)
        return max(steps // max(abs(self.increment_by), 1), 0)


@dataclass(frozen=True)
class DatabaseAge:
    datname: str
    xid_age: int
    mxid_age: int
    is_current: bool
    allows_connections: bool


@dataclass(frozen=True)
class TableAge:
    relid: int
    schemaname: str
    relname: str
    xid_age: int
    mxid_age: int
    total_bytes: int
    last_vacuum: datetime | None


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    unit: str | None
    source: str
    description: str
    pending_restart: bool


# query name -> row class; `Catalog` has one slot per query
QUERIES: dict[str, type] = {
    "findings_context": ServerContext,
    "database_created": DatabaseCreated,
    "index_usage": IndexUsage,
    "table_usage": TableUsage,
    "duplicate_indexes": DuplicateIndexPair,
    "fk_without_index": ForeignKeyNoIndex,
    "sequence_usage": SequenceUsage,
    "database_ages": DatabaseAge,
    "table_ages": TableAge,
    "report_settings": Setting,
}


@dataclass(frozen=True)
class Catalog:
    """One run of the catalog queries. Each slot: rows, Unavailable (refused), or None (not asked)."""

    sampled_at: datetime
    results: dict[str, tuple[Any, ...] | Unavailable] = field(hash=False)
    # set: index_usage and table_usage hold only the rows the checks of these thresholds may
    # find something in (gather.py, the console's read); None: every row
    judged: Thresholds | None = None

    def get(self, name: str) -> tuple[Any, ...] | Unavailable | None:
        return self.results.get(name)

    def context(self) -> ServerContext | None:
        rows = self.results.get("findings_context")
        return rows[0] if isinstance(rows, tuple) and rows else None
