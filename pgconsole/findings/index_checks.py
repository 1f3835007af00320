"""Checks over the index catalog: unused, duplicate, invalid, and missing for a foreign key.

"Unused" is the check most likely to cry wolf: an index with no scans may serve a
monthly report, a standby's queries, or statistics that were reset last night. It is
a warning only when the statistics cover enough days, the table was read often enough
for the workload to have shown itself, and the index is big enough to matter; with
younger statistics the same fact is an info with its window and low confidence. The
evidence says what was assumed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable

from ..fmt import duration
from ..quoting import qualified, quote_ident, quote_literal
from .catalog_rows import DuplicateIndexPair, ForeignKeyNoIndex, IndexUsage
from .inputs import CheckInputs
from .model import Finding, LazyFinding, Outcome, Thresholds, Words, display_name, remedy


def _mb(n: float) -> float:
    return round(n / 1048576, 2)


def stats_window(inp: CheckInputs) -> tuple[datetime, str, float]:
    """When the scan counters started counting (the latest candidate), what that is, and its age in days."""
    ctx = inp.context()
    candidates = [(ctx.started_at, "server start")]
    if ctx.stats_reset is not None:
        candidates.append((ctx.stats_reset, "statistics reset"))
    created = inp.catalog.get("database_created") if inp.catalog is not None else None
    if isinstance(created, tuple) and created and created[0].created_at is not None:
        candidates.append((created[0].created_at, "database created"))
    start, what = max(candidates, key=lambda c: c[0])
    return start, what, (ctx.sampled_at - start).total_seconds() / 86400


def _maybe_unused(r: IndexUsage, th: Thresholds) -> bool:
    """What unused_index judges: never scanned, droppable, big enough, on a table that is read
    (the rest of its judgement, the statistics' window, sets only severity and words)."""
    if (r.idx_scan > 0 or not r.is_valid or r.is_unique or r.constraint_name or r.is_replica_identity
            or r.is_partition_index):
        return False
    return (r.size_bytes >= th.unused_index_min_bytes
            and r.table_seq_scan + r.table_idx_scan >= th.unused_index_min_table_scans)


def _is_invalid(r: IndexUsage) -> bool:
    return not r.is_valid and not r.being_built


def index_rows_judged(th: Thresholds) -> Callable[[IndexUsage], bool]:
    """The index_usage rows a check of these thresholds may find something in (unused_index,
    invalid_index): the console keeps only those (gather.py); 20,000 index rows were 9 MB."""
    return lambda r: _is_invalid(r) or _maybe_unused(r, th)


def unused_index(inp: CheckInputs, th: Thresholds) -> Outcome:
    rows: tuple[IndexUsage, ...] = inp.rows("index_usage")
    start, what, days = stats_window(inp)
    ctx = inp.context()
    young = days < th.unused_index_min_days
    span = duration(days * 86400)
    out = []
    for r in rows:
        if not _maybe_unused(r, th):
            continue
        table_scans = r.table_seq_scan + r.table_idx_scan
        name = display_name(r.schemaname, r.indexrelname)
        q = qualified(r.schemaname, r.indexrelname)
        severity = "info" if (r.supports_fk or young) else "warning"
        evidence = {
            "indexrelid": r.indexrelid, "table": display_name(r.schemaname, r.relname), "idx_scan": 0,
            "size_mb": _mb(r.size_bytes), "table_scans": table_scans, "definition": r.definition,
            "window": f"since {what} at {start:%Y-%m-%d %H:%M %Z} ({span})",
            "stats_since": start.isoformat(), "stats_since_what": what, "stats_days": round(days, 2),
            "assumed": (f"{span} of statistics (since {what}) cover the workload's cycle; scans on "
                        + ("other servers" if ctx.is_standby else "standbys") + " are not counted here"),
        }
        if young:
            evidence["confidence"] = (f"low: {span} of statistics, fewer than the {th.unused_index_min_days:g} days "
                                      "taken for a full workload cycle (a weekly job, a month-end report)")
        if r.supports_fk:
            evidence["note"] = (f"it serves foreign key {r.supports_fk}: keep it if referenced rows are "
                                "deleted or their keys updated")
        if young:
            message = (f"index {name} ({_mb(r.size_bytes)} MB) has had no scans in the {span} since {what} while "
                       f"its table was read {table_scans:,} times; not conclusive before a full workload cycle")
            fix = remedy(f"SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelid = {quote_literal(q)}::regclass;",
                         note=f"look again after {th.unused_index_min_days:g} days of statistics; if still 0: "
                              f"DROP INDEX CONCURRENTLY {q};")
        else:
            message = (f"index {name} ({_mb(r.size_bytes)} MB) has not been scanned in {span} while its table "
                       f"was read {table_scans:,} times")
            fix = remedy(f"DROP INDEX CONCURRENTLY {q};")
        out.append(Finding("unused_index", severity, name, message, evidence, **fix))
    note = None
    if young:
        note = (f"statistics cover {days:.1f} days (since {what} {start:%Y-%m-%d %H:%M %Z}), fewer than "
                f"{th.unused_index_min_days:g}: an index without scans is only info, with its window")
    return Outcome(out, note=note)


def _keep_score(unique: bool, primary: bool, constraint: str | None, scans: int) -> tuple[bool, bool, bool, int]:
    return (primary, constraint is not None, unique, scans)


def _duplicate_words(of: tuple[DuplicateIndexPair, bool]) -> Words:
    """duplicate_index's message, evidence and remedy for one pair: drop a (or b)."""
    p, drop_a = of
    if drop_a:
        name, defn, size, constraint, keep, keep_def = (p.a_name, p.a_def, p.a_bytes, p.a_constraint,
                                                        p.b_name, p.b_def)
    else:
        name, defn, size, constraint, keep, keep_def = (p.b_name, p.b_def, p.b_bytes, p.b_constraint,
                                                        p.a_name, p.a_def)
    obj = display_name(p.schemaname, name)
    how = "is identical to" if p.kind == "identical" else "is covered by the leading columns of"
    if constraint:
        fix = remedy(f"ALTER TABLE {qualified(p.schemaname, p.relname)} DROP CONSTRAINT {quote_ident(constraint)};",
                     note="the other index enforces the same rule; check nothing references this constraint")
    else:
        fix = remedy(f"DROP INDEX CONCURRENTLY {qualified(p.schemaname, name)};")
    return (f"index {obj} {how} {display_name(p.schemaname, keep)}: it costs writes and {_mb(size)} MB for nothing",
            {"kind": p.kind, "table": display_name(p.schemaname, p.relname), "definition": defn,
             "size_mb": _mb(size), "covered_by": display_name(p.schemaname, keep), "covered_by_definition": keep_def,
             "scans": p.a_scans if drop_a else p.b_scans, "covered_by_scans": p.b_scans if drop_a else p.a_scans},
            fix["remedy"], fix["sql"])


def duplicate_index(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    pairs: tuple[DuplicateIndexPair, ...] = inp.rows("duplicate_indexes")
    seen: set[tuple[str, str]] = set()
    out: list[Finding] = []
    for p in pairs:
        drop_a = True
        if p.kind == "identical":
            a = _keep_score(p.a_unique, p.a_primary, p.a_constraint, p.a_scans)
            b = _keep_score(p.b_unique, p.b_primary, p.b_constraint, p.b_scans)
            drop_a = a < b  # on a tie the newer one (b, higher oid) goes
        name = p.a_name if drop_a else p.b_name
        key = (p.schemaname, name)
        if key in seen:
            continue
        seen.add(key)
        # its words made when read (LazyFinding): one per index pair, 1,000 on a big catalog
        out.append(LazyFinding("duplicate_index", "warning", display_name(p.schemaname, name),
                               _duplicate_words, (p, drop_a)))
    return out


def invalid_index(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    rows: tuple[IndexUsage, ...] = inp.rows("index_usage")
    out = []
    for r in rows:
        if not _is_invalid(r):
            continue
        name = display_name(r.schemaname, r.indexrelname)
        q = qualified(r.schemaname, r.indexrelname)
        out.append(Finding(
            "invalid_index", "warning", name,
            f"index {name} is invalid (a failed CREATE INDEX CONCURRENTLY or REINDEX): queries never use it, "
            "but every write still maintains it",
            {"indexrelid": r.indexrelid, "table": display_name(r.schemaname, r.relname),
             "definition": r.definition, "size_mb": _mb(r.size_bytes), "constraint": r.constraint_name},
            **remedy(f"DROP INDEX CONCURRENTLY {q};",
                     note=f"then create it again (or instead: REINDEX INDEX CONCURRENTLY {q};)")))
    return out


def fk_without_index(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    rows: tuple[ForeignKeyNoIndex, ...] = inp.rows("fk_without_index")
    out = []
    for r in rows:
        name = display_name(r.schemaname, r.relname)
        ref = display_name(r.ref_schemaname, r.ref_relname)
        severity = "warning" if r.table_rows >= th.fk_min_rows else "info"
        cols = ", ".join(quote_ident(c) for c in r.columns)
        out.append(Finding(
            "fk_without_index", severity, name,
            f"foreign key {r.conname} ({', '.join(r.columns)}) on {name} has no index: every DELETE or key "
            f"UPDATE on {ref} scans {name} ({r.table_rows:,.0f} rows)",
            {"constraint": r.conname, "columns": list(r.columns), "references": ref,
             "table_rows": r.table_rows, "table_mb": _mb(r.table_bytes),
             "referenced_updates_deletes": r.ref_updates_deletes},
            **remedy(f"CREATE INDEX CONCURRENTLY ON {qualified(r.schemaname, r.relname)} ({cols});")))
    return out
