"""Run every check; one that fails says so and the others still run.

`evaluate` is pure: it takes a frame of snapshots and a run of catalog queries and
returns findings plus one status per check. `collect` does the I/O around it for a
caller holding a Monitor (the console's Findings pane, `pgconsole report`).
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable

from ..capabilities import Capabilities
from ..errors import scrub
from ..snapshots import Frame
from . import index_checks, replication_checks, session_checks, statement_checks, storage_checks, table_checks
from .catalog_rows import Catalog
from .gather import gather_catalog
from .inputs import CheckInputs
from .model import (CHECK_IDS, SEVERITIES, Check, CheckStatus, CheckUnavailable, Finding, FindingCounts,
                    FindingsResult, Outcome, Thresholds, sort_findings)

if TYPE_CHECKING:
    from ..monitor import Monitor


# check id -> (function, what it reads)
CHECKS: dict[str, tuple[Check, str]] = {
    "blocking_lock": (session_checks.blocking_lock, "locks"),
    "idle_in_transaction": (session_checks.idle_in_transaction, "connections"),
    "long_running_query": (session_checks.long_running_query, "connections"),
    "connection_saturation": (session_checks.connection_saturation, "overview"),
    "oversized_pool": (session_checks.oversized_pool, "connections"),
    "low_cache_hit_ratio": (storage_checks.low_cache_hit_ratio, "cache"),
    "table_bloat": (storage_checks.table_bloat, "bloat"),
    "index_bloat": (storage_checks.index_bloat, "bloat"),
    "dead_tuples": (storage_checks.dead_tuples, "bloat"),
    "stale_statistics": (storage_checks.stale_statistics, "bloat"),
    "unused_index": (index_checks.unused_index, "catalog: index_usage"),
    "duplicate_index": (index_checks.duplicate_index, "catalog: duplicate_indexes"),
    "invalid_index": (index_checks.invalid_index, "catalog: index_usage"),
    "fk_without_index": (index_checks.fk_without_index, "catalog: fk_without_index"),
    "seq_scan_heavy": (table_checks.seq_scan_heavy, "catalog: table_usage"),
    "slow_query": (statement_checks.slow_query, "statements"),
    "n_plus_one": (statement_checks.n_plus_one, "statements"),
    "sequence_near_limit": (table_checks.sequence_near_limit, "catalog: sequence_usage"),
    "xid_wraparound_risk": (table_checks.xid_wraparound_risk, "catalog: database_ages"),
    "table_without_primary_key": (table_checks.table_without_primary_key, "catalog: table_usage"),
    "pg_stat_statements_missing": (statement_checks.pg_stat_statements_missing, "capabilities"),
    **replication_checks.CHECKS,
}
assert tuple(CHECKS) == CHECK_IDS

# these read only snapshots: cheap enough for every refresh of the console
SNAPSHOT_CHECKS = tuple(c for c, (_, src) in CHECKS.items() if not src.startswith("catalog"))
# these read the catalog run: their result changes only when the catalog is read again
CATALOG_CHECKS = tuple(c for c in CHECKS if c not in SNAPSHOT_CHECKS)


def _order_key(order: dict[str, int]) -> Callable[[Finding], tuple[int, int, str]]:
    return lambda f: (-f.rank, order[f.check], f.object)   # as sort_findings


def merge(a: FindingsResult, b: FindingsResult) -> FindingsResult:
    """Two evaluations of disjoint checks as one (the snapshot checks of this frame and the
    catalog checks of the last catalog run): findings and statuses in the usual order."""
    order = {c: i for i, c in enumerate(CHECK_IDS)}
    # both already in order: the few of one slot into the many of the other (10,000 findings
    # of a big catalog are not sorted again on every frame)
    few, many = (a.findings, b.findings) if len(a.findings) <= len(b.findings) else (b.findings, a.findings)
    key = _order_key(order)
    merged = list(many)
    for f in few:
        bisect.insort_right(merged, f, key=key)
    return FindingsResult(findings=tuple(merged),
                          checks=tuple(sorted((*a.checks, *b.checks), key=lambda s: order[s.check])),
                          thresholds=a.thresholds, evaluated_at=a.evaluated_at)


def _run_checks(inp: CheckInputs, thresholds: Thresholds, only: Iterable[str] | None,
                checks: dict[str, tuple[Check, str]] | None, keep: Callable[[Finding], None]) -> list[CheckStatus]:
    """Each check in turn, every finding handed to `keep` as it comes (a check may yield them:
    counting 10,000 findings need not hold them all); one status per check."""
    wanted = set(only) if only is not None else None
    statuses: list[CheckStatus] = []
    for check, (fn, source) in (checks or CHECKS).items():
        if wanted is not None and check not in wanted:
            continue
        try:
            raw = fn(inp, thresholds)
            if isinstance(raw, tuple):
                result = Outcome(*raw)
            elif not isinstance(raw, Outcome):
                result = Outcome(raw)
            else:
                result = raw
            found = 0
            for f in result.findings:
                if isinstance(f, Finding):
                    keep(f)
                    found += 1
            if result.blind:
                reason = result.blind + (f"; {result.note}" if result.note else "")
                statuses.append(CheckStatus(check, source, True, found, reason=reason, hint=result.hint,
                                            blind=True))
            else:
                statuses.append(CheckStatus(check, source, True, found, reason=result.note))
        except CheckUnavailable as exc:
            statuses.append(CheckStatus(check, source, False, reason=exc.reason, hint=exc.hint or None,
                                        blind=exc.blind))
        except Exception as exc:  # noqa: BLE001 - a broken check must not take the others down
            statuses.append(CheckStatus(check, source, False,
                                        reason=f"check failed: {type(exc).__name__}: {scrub(str(exc))}",
                                        hint="please report this with your server version", blind=True))
    return statuses


def evaluate(frame: Frame | None, catalog: Catalog | None, caps: Capabilities,
             thresholds: Thresholds = Thresholds(), only: Iterable[str] | None = None,
             now: datetime | None = None, checks: dict[str, tuple[Check, str]] | None = None,
             own_statements: bool = False, earlier: Frame | None = None) -> FindingsResult:
    """`own_statements`: judge pgconsole's own statements too (left out by default);
    `earlier`: a previous frame, for checks that weigh more than one sample (the busiest
    moment of a connection pool)."""
    now = now or (frame.sampled_at if frame is not None else datetime.now(timezone.utc))
    inp = CheckInputs(frame=frame, catalog=catalog, caps=caps, now=now, own_statements=own_statements,
                      earlier=earlier)
    findings: list[Finding] = []
    statuses = _run_checks(inp, thresholds, only, checks, findings.append)
    return FindingsResult(findings=sort_findings(findings), checks=tuple(statuses), thresholds=thresholds,
                          evaluated_at=now)


def count(frame: Frame | None, catalog: Catalog | None, caps: Capabilities,
          thresholds: Thresholds = Thresholds(), only: Iterable[str] | None = None,
          now: datetime | None = None) -> FindingCounts:
    """As `evaluate`, but only how many findings of each severity: each finding is dropped as
    soon as it is counted (the pane bar's badge of a hidden Findings pane: 11,000 findings of
    a big catalog held only to be counted were 8 MB)."""
    now = now or (frame.sampled_at if frame is not None else datetime.now(timezone.utc))
    inp = CheckInputs(frame=frame, catalog=catalog, caps=caps, now=now)
    counts = dict.fromkeys(SEVERITIES, 0)

    def keep(f: Finding) -> None:
        counts[f.severity] += 1
    statuses = _run_checks(inp, thresholds, only, None, keep)
    return FindingCounts(counts, tuple(statuses), thresholds)


async def collect(monitor: Monitor, frame: Frame, thresholds: Thresholds = Thresholds(),
                  with_catalog: bool = True, earlier: Frame | None = None) -> tuple[FindingsResult, Catalog | None]:
    """Evaluate on a live Monitor: catalog queries run on its connection between polls."""
    catalog = await monitor.run(gather_catalog) if with_catalog else None
    only = None if with_catalog else SNAPSHOT_CHECKS
    assert monitor.caps is not None   # set when it first connected (it gave `frame`), never unset
    return evaluate(frame, catalog, monitor.caps, thresholds, only=only, earlier=earlier), catalog
