"""What a finding is, the thresholds that decide one, and how a run of checks ends.

A finding is one measured problem: a stable check id, a severity, the object it is
about, the numbers it rests on (evidence) and, where one exists, what to run about
it (remedy). Thresholds are plain numbers with defaults chosen not to cry wolf on a
healthy database; every report prints the values it used.
"""

from __future__ import annotations

import functools
import itertools

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..errors import did_you_mean
from ..quoting import display_name as display_name  # noqa: F401 - where the findings and the report take it from
from .replication_ids import REPLICATION_CHECK_IDS

if TYPE_CHECKING:
    from .inputs import CheckInputs

SEVERITIES = ("info", "warning", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}

# The stable check ids, in the order reports list them.
CHECK_IDS = (
    "blocking_lock", "idle_in_transaction", "long_running_query", "connection_saturation",
    "oversized_pool", "low_cache_hit_ratio", "table_bloat", "index_bloat", "dead_tuples", "stale_statistics",
    "unused_index", "duplicate_index", "invalid_index", "fk_without_index", "seq_scan_heavy",
    "slow_query", "n_plus_one", "sequence_near_limit", "xid_wraparound_risk",
    "table_without_primary_key", "pg_stat_statements_missing",
    *REPLICATION_CHECK_IDS,
)


@dataclass(frozen=True, slots=True)   # thousands on a big catalog: no __dict__ each
class Finding:
    check: str
    severity: str            # info | warning | critical
    object: str              # schema.relation, schema.index, schema.sequence, database, "pid 123", "query 42"
    message: str
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    remedy: str | None = None
    # the statements of the remedy that run as they are (no placeholder), each parsed on the
    # server it was made for in the tests; the remedy text holds them, then any note
    sql: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        if self.check not in CHECK_IDS:
            raise ValueError(f"unknown check {self.check!r}")

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


# a finding's words: message, evidence, remedy, the remedy's runnable statements
Words = tuple[str, dict[str, Any], str | None, tuple[str, ...]]
_set = object.__setattr__


class LazyFinding(Finding):
    """A Finding whose words (message, evidence, remedy, sql) are made from its source row
    each time they are read. The checks that find one per table or index on a big catalog
    make these: 11,000 findings of ~750 bytes each were 8 MB held by the Findings pane, which
    draws 500 and filters on check, object and severity (held as they are). Equal to, and
    hashed as, the Finding with the same words."""

    __slots__ = ("_words", "_of")
    _words: Callable[[Any], Words]
    _of: Any

    def __init__(self, check: str, severity: str, object: str, words: Callable[[Any], Words], of: Any) -> None:
        _set(self, "check", check)
        _set(self, "severity", severity)
        _set(self, "object", object)
        _set(self, "_words", words)   # a module-level function: the row is the only thing held per finding
        _set(self, "_of", of)
        self.__post_init__()

    @property
    def message(self) -> str:
        return self._made()[0]

    @property
    def evidence(self) -> dict[str, Any]:
        return self._made()[1]

    @property
    def remedy(self) -> str | None:
        return self._made()[2]

    @property
    def sql(self) -> tuple[str, ...]:
        return self._made()[3]

    def _made(self) -> Words:
        return self._words(self._of)

    def eager(self) -> Finding:
        """The plain Finding it stands for."""
        message, evidence, remedy, sql = self._made()
        return Finding(self.check, self.severity, self.object, message, evidence, remedy, sql)

    def _compared(self) -> tuple[str, str, str, str, str | None]:
        """Finding's compared (and hashed) fields, in its order; the words made once, not per field."""
        message, _, remedy, _ = self._made()
        return (self.check, self.severity, self.object, message, remedy)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        theirs = (other._compared() if isinstance(other, LazyFinding)
                  else (other.check, other.severity, other.object, other.message, other.remedy))
        return self._compared() == theirs

    def __hash__(self) -> int:   # the dataclass's hash: of the tuple of its compared fields
        return hash(self._compared())

    def __repr__(self) -> str:
        return "Lazy" + repr(self.eager())


class CheckUnavailable(Exception):
    """Raised by a check whose input the server would not give: it reports itself unavailable.

    `blind`: it was refused what it checks (a privilege, a timeout), as opposed to something
    that does not apply here (no pg_stat_statements, which has a finding of its own)."""

    def __init__(self, reason: str, hint: str = "", blind: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.blind = blind


@dataclass(frozen=True)
class Outcome:
    """What a check may return instead of a plain list: its findings, a note on how it
    judged, and `blind` when it could see only part of what it checks (other roles'
    sessions or statements hidden), with the hint that would let it see everything."""

    findings: Iterable[Finding]   # a list, or a generator (counted without being held: engine.count)
    note: str | None = None
    blind: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class CheckStatus:
    """How one check went: ran (with how many findings), ran on part of what it checks
    (blind), or unavailable, and why."""

    check: str
    source: str                  # the snapshot view or catalog query it reads
    ran: bool
    count: int = 0
    reason: str | None = None    # why it did not run, or how it judged, or what it could not see
    hint: str | None = None      # what would let it run (or see everything)
    blind: bool = False          # refused some or all of what it checks: its silence proves nothing

    @property
    def state(self) -> str:
        """'ran', 'partial' (ran, but blind to part of what it checks) or 'not run'."""
        if not self.ran:
            return "not run"
        return "partial" if self.blind else "ran"

    def line(self) -> str:
        """One line for a report or the console: the state, why, and the fix."""
        head = f"{self.count} finding(s)" if self.state == "ran" else f"{self.state}: {self.reason or '?'}"
        if self.state == "ran" and self.reason:
            head += f" ({self.reason})"
        elif self.state == "partial":
            head = f"partial, {self.count} finding(s): {self.reason or '?'}"
        return head + (f" — {self.hint}" if self.hint and self.state != "ran" else "")


@dataclass(frozen=True)
class FindingsResult:
    findings: tuple[Finding, ...]     # most severe first
    checks: tuple[CheckStatus, ...]
    thresholds: "Thresholds"
    evaluated_at: datetime

    @functools.cached_property
    def _by_severity(self) -> dict[str, tuple[Finding, ...]]:
        # grouped once: the pane bar's badge asks on every frame, and a big catalog has
        # thousands of findings (10,000 tables without a key)
        groups: dict[str, list[Finding]] = {sev: [] for sev in SEVERITY_RANK}
        for f in self.findings:
            groups[f.severity].append(f)
        return {sev: tuple(fs) for sev, fs in groups.items()}

    def by_severity(self, severity: str) -> tuple[Finding, ...]:
        return self._by_severity[severity]

    def worst(self) -> str | None:
        return self.findings[0].severity if self.findings else None

    def at_least(self, severity: str) -> tuple[Finding, ...]:
        rank = SEVERITY_RANK[severity]
        # most severe first (sort_findings): the ones at this rank or above lead
        return tuple(itertools.takewhile(lambda f: f.rank >= rank, self.findings))

    def blind(self) -> tuple[CheckStatus, ...]:
        """Checks refused some or all of what they check: with these, no finding is no proof."""
        return tuple(s for s in self.checks if s.blind)

    def blind_summary(self) -> str | None:
        """One sentence for the top of a report when it was partly blind; None when it saw everything."""
        blind = self.blind()
        if not blind:
            return None
        fixes = list(dict.fromkeys(s.hint for s in blind if s.hint))
        return (f"{len(blind)} check(s) could not see all they check ({', '.join(s.check for s in blind)}): "
                "their silence proves nothing" + (f". Fix: {' '.join(fixes)}" if fixes else ""))


@dataclass(frozen=True)
class FindingCounts:
    """How many findings of each severity a run of checks found, without the findings
    (engine.count): what the pane bar's badge needs of a hidden Findings pane."""
    counts: dict[str, int]
    checks: tuple[CheckStatus, ...]
    thresholds: "Thresholds"

    def at_least(self, severity: str) -> int:
        rank = SEVERITY_RANK[severity]
        return sum(n for sev, n in self.counts.items() if SEVERITY_RANK[sev] >= rank)

    def worst(self) -> str | None:
        return next((sev for sev in reversed(SEVERITIES) if self.counts.get(sev)), None)


def _t(default: float, doc: str, unit: str = "") -> Any:
    return field(default=default, metadata={"doc": doc, "unit": unit})


MB = 1024 * 1024


@dataclass(frozen=True)
class Thresholds:
    """Every number a check compares against. Override with `--threshold NAME=VALUE`."""

    blocking_lock_wait_s: float = _t(5.0, "warn when a session has waited this long behind a blocker", "s")
    blocking_lock_critical_s: float = _t(60.0, "critical when the wait reaches this", "s")
    idle_in_transaction_s: float = _t(60.0, "warn on a session idle inside a transaction this long", "s")
    idle_in_transaction_critical_s: float = _t(600.0, "critical when idle in transaction this long", "s")
    long_query_s: float = _t(60.0, "warn on a data statement running this long (an OLTP server: a minute is "
                                   "long); maintenance statements and tools (VACUUM, CREATE INDEX, COPY, "
                                   "pg_dump) only info", "s")
    long_query_critical_s: float = _t(600.0, "critical when a statement runs this long", "s")
    connection_use_warn: float = _t(0.80, "warn when this share of usable connection slots is taken", "ratio")
    connection_use_critical: float = _t(0.95, "critical at this share of usable slots", "ratio")
    pool_idle_share: float = _t(0.50, "... and name idle client pools (and PgBouncer) when idle sessions hold "
                                      "this share of the slots taken", "ratio")
    pool_min_sessions: float = _t(20, "oversized pool: one client (application, user, address) holds at least "
                                      "this many connections", "sessions")
    pool_busy_share: float = _t(0.25, "... and at its busiest sample used at most this share of them at once "
                                      "(info)", "ratio")
    pool_idle_s: float = _t(300.0, "... a warning once half of them have been idle this long (spare for a "
                                   "while, not a lull)", "s")
    cache_hit_warn: float = _t(0.95, "warn below this buffer cache hit ratio", "ratio")
    cache_hit_critical: float = _t(0.80, "critical below this hit ratio", "ratio")
    cache_min_blocks: float = _t(10000, "block requests needed before a hit ratio means anything", "blocks")
    cache_min_interval_blocks: float = _t(1000, "when the sampling interval saw this many requests and a "
                                                "healthy ratio, a low cumulative one (loads, index builds) "
                                                "is only info", "blocks")
    bloat_pct: float = _t(50.0, "warn when estimated bloat is at least this share of the relation", "%")
    bloat_min_bytes: float = _t(100 * MB, "... and the estimated waste is at least this big", "bytes")
    bloat_critical_pct: float = _t(80.0, "critical at this estimated bloat share", "%")
    bloat_critical_bytes: float = _t(1024 * MB, "... with at least this much waste", "bytes")
    bloat_stale_ratio: float = _t(0.20, "estimate unreliable (info only) when rows changed since ANALYZE "
                                        "exceed this share of live rows", "ratio")
    dead_tuples_min: float = _t(10000, "vacuum overdue: at least this many dead rows", "rows")
    dead_tuples_ratio: float = _t(0.20, "... and dead rows at least this share of all rows", "ratio")
    dead_tuples_critical_ratio: float = _t(0.50, "critical at this dead share", "ratio")
    dead_tuples_vacuum_age_s: float = _t(600.0, "... and no vacuum for this long (autovacuum may just "
                                                "be on its way)", "s")
    stale_stats_min_changes: float = _t(10000, "analyze overdue: at least this many rows changed since "
                                               "ANALYZE (or never analyzed with this many rows)", "rows")
    stale_stats_ratio: float = _t(0.20, "... and changes at least this share of live rows", "ratio")
    unused_index_min_bytes: float = _t(10 * MB, "an index with no scans matters from this size", "bytes")
    unused_index_min_days: float = _t(7.0, "a warning once statistics cover this many days (a workload cycle); "
                                           "before, an info with its window and low confidence", "days")
    unused_index_min_table_scans: float = _t(100, "... and the table must have been read this many times "
                                                   "(the workload was seen)", "scans")
    seq_scan_min_rows: float = _t(10000, "a table read by sequential scans matters from this many rows", "rows")
    seq_scan_min_count: float = _t(100, "... scanned sequentially at least this many times", "scans")
    seq_scan_share: float = _t(0.50, "... and this share of its scans sequential", "ratio")
    seq_scan_min_rows_read: float = _t(5_000_000, "... or, scanned fewer times: its sequential scans read at least "
                                                  "this many rows", "rows")
    seq_scan_min_full_reads: float = _t(10, "... that is at least this many times its size", "x")
    seq_scan_min_rows_per_s: float = _t(500, "... at this many rows a second or more over the statistics' window",
                                        "rows/s")
    fk_min_rows: float = _t(10000, "FK without index is a warning from this many referencing rows "
                                   "(info below)", "rows")
    slow_query_ms: float = _t(500.0, "warn on statements with this mean execution time", "ms")
    slow_query_critical_ms: float = _t(5000.0, "critical at this mean time", "ms")
    slow_query_min_calls: float = _t(3, "... called at least this many times", "calls")
    n_plus_one_min_calls: float = _t(1000, "N+1: a SELECT by key (= $n) called at least this many times since "
                                           "pg_stat_statements was reset...", "calls")
    n_plus_one_min_rate: float = _t(100, "... or this many times a second over the last interval", "calls/s")
    n_plus_one_max_mean_ms: float = _t(1.0, "... costing at most this each (cheap)", "ms")
    n_plus_one_max_rows: float = _t(10, "... returning at most this many rows per call (a few children of one "
                                        "parent)", "rows")
    n_plus_one_ratio: float = _t(10.0, "... and called this many times more often, in the same window, than the "
                                       "busiest other statement of its role (the one that produced the keys)", "x")
    sequence_warn: float = _t(0.75, "warn when a sequence (or its column's type) has used this share "
                                    "of its range", "ratio")
    sequence_critical: float = _t(0.90, "critical at this share", "ratio")
    xid_age_warn: float = _t(500_000_000, "warn when the database's oldest unfrozen XID (or multixact) is "
                                          "this old", "xids")
    xid_age_critical: float = _t(1_500_000_000, "critical at this age (the hard stop is near 2^31)", "xids")
    pk_min_rows: float = _t(1000, "a table without primary key is a warning from this many rows, when "
                                  "rows are also updated or deleted (info otherwise)", "rows")
    # replication, WAL and the vacuum horizon (findings/replication_checks.py)
    slot_inactive_min_bytes: float = _t(16 * MB, "an inactive replication slot is a warning once it keeps "
                                                 "this much WAL", "bytes")
    slot_inactive_s: float = _t(300.0, "... or has been inactive this long (17+ says since when)", "s")
    slot_retained_critical_bytes: float = _t(10240 * MB, "critical when an inactive slot keeps this much WAL "
                                                         "(or its wal_status is unreserved or lost)", "bytes")
    replication_lag_bytes: float = _t(64 * MB, "warn when a standby has this much WAL left to replay", "bytes")
    replication_lag_s: float = _t(60.0, "... or its replay is this far behind in time (measured only while "
                                        "WAL moves)", "s")
    replication_lag_critical_bytes: float = _t(1024 * MB, "critical at this much WAL to replay", "bytes")
    replication_lag_critical_s: float = _t(600.0, "... or this far behind in time", "s")
    standby_not_streaming_s: float = _t(30.0, "a standby whose WAL receiver has not streamed for this long "
                                              "(as seen by this session)", "s")
    archive_failing_critical_s: float = _t(3600.0, "archiving failing is critical once the last successful "
                                                   "archive is this old (or there never was one)", "s")
    xmin_horizon_s: float = _t(3600.0, "the xmin horizon held back this long by one holder...", "s")
    xmin_horizon_xids: float = _t(10_000_000, "... or this many transactions old", "xids")
    xmin_horizon_critical_xids: float = _t(100_000_000, "critical at this age", "xids")
    xmin_horizon_min_dead_rows: float = _t(10000, "... while this database's tables hold at least this many "
                                                  "dead rows", "rows")
    checkpoint_requested_share: float = _t(0.5, "checkpoints too frequent: requested ones (WAL over "
                                                "max_wal_size) are at least this share...", "ratio")
    checkpoint_min_count: float = _t(10, "... of at least this many since the statistics were reset",
                                     "checkpoints")
    autovacuum_behind_s: float = _t(600.0, "autovacuum falling behind: a table due this long (as seen by this "
                                           "session) while every worker is busy", "s")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def describe(self) -> list[tuple[str, float, str, str]]:
        """(name, value, unit, meaning) for every threshold, as reports show them."""
        return [(f.name, getattr(self, f.name), f.metadata.get("unit", ""), f.metadata.get("doc", ""))
                for f in fields(self)]

    def with_overrides(self, overrides: dict[str, Any]) -> "Thresholds":
        known = set(self.names())
        bad = sorted(set(overrides) - known)
        if bad:
            raise ValueError(f"unknown threshold {bad[0]!r}" + did_you_mean(
                bad[0], known, "every name is listed in the report's findings section and the README"))
        values = {}
        for k, v in overrides.items():
            try:
                values[k] = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"threshold {k} needs a number, got {v!r}") from None
            if values[k] < 0:
                raise ValueError(f"threshold {k} must not be negative")
        return replace(self, **values)


def parse_overrides(items: list[str] | None) -> dict[str, str]:
    """['name=value', ...] -> {'name': 'value'}; one clear error for anything else."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"expected NAME=VALUE, got {item!r}")
        out[name.strip()] = value.strip()
    return out


# what a check is: from its inputs and thresholds, its findings, or them and a note on how it
# judged, or an Outcome
CheckResult = list[Finding] | Iterator[Finding] | tuple[list[Finding], str | None] | Outcome
Check = Callable[["CheckInputs", Thresholds], CheckResult]


def remedy(*statements: str, note: str | None = None) -> dict[str, Any]:
    """A finding's remedy from runnable statements and a note after them (a comment):
    Finding(..., **remedy("VACUUM x;", note="...")) sets both `remedy` and `sql`."""
    stmts = tuple(s if s.rstrip().endswith(";") else s + ";" for s in statements)
    text = "  ".join(stmts)
    if note:
        text = f"{text}  -- {note}" if text else note
    return {"remedy": text or None, "sql": stmts}


def sort_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    order = {c: i for i, c in enumerate(CHECK_IDS)}
    return tuple(sorted(findings, key=lambda f: (-f.rank, order[f.check], f.object)))
