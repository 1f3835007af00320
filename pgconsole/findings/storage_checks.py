"""Checks over storage snapshots: buffer cache, estimated bloat, vacuum and analyze state.

Bloat figures are catalog estimates: as fresh as the table's last ANALYZE. When many
rows changed since then the estimate can be far off either way, so such a finding is
only `info`, with the reason, never a warning built on a stale number.
"""

from __future__ import annotations

from datetime import datetime

from ..quoting import qualified, quote_ident, quote_literal
from ..snapshots import Bloat, Cache, TableBloatRow
from .inputs import CheckInputs
from .model import Finding, Thresholds, display_name, remedy


def _mb(n: float | None) -> float | None:
    return None if n is None else round(n / 1048576, 1)


def _iso(ts: datetime | None) -> str | None:
    return ts.isoformat() if ts is not None else None


def _stale(r: TableBloatRow, th: Thresholds) -> bool:
    return r.n_mod_since_analyze > max(th.bloat_stale_ratio * r.n_live_tup, 1000)


def low_cache_hit_ratio(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    cache: Cache = inp.view("cache")
    hit = sum(t.io.heap_blks_hit + t.io.idx_blks_hit for t in cache.tables)
    read = sum(t.io.heap_blks_read + t.io.idx_blks_read for t in cache.tables)
    if hit + read < th.cache_min_blocks:
        return []
    ratio = hit / (hit + read)
    if ratio >= th.cache_hit_warn:
        return []
    severity = "critical" if ratio < th.cache_hit_critical else "warning"
    # the cumulative figure carries every bulk load and index build since the reset; when the
    # interval just measured saw real traffic served well, the present is healthy
    now_ratio, now_requests = _interval(inp, cache)
    note = None
    if now_ratio is not None and now_requests >= th.cache_min_interval_blocks and now_ratio >= th.cache_hit_warn:
        severity = "info"
        note = (f"the last {now_requests:,.0f} block requests (the sampling interval) were {now_ratio:.1%} hits: "
                "the low cumulative ratio comes from earlier reads such as bulk loads or index builds")
    ctx = inp.catalog.context() if inp.catalog is not None else None
    worst = sorted(cache.tables, key=lambda t: -(t.io.heap_blks_read + t.io.idx_blks_read))[:5]
    evidence = {
        "hit_ratio": round(ratio, 4), "heap_hit_ratio": cache.heap_ratio, "index_hit_ratio": cache.idx_ratio,
        "blocks_hit": hit, "blocks_read": read, "interval_hit_ratio": now_ratio,
        "interval_requests": round(now_requests) if now_ratio is not None else None,
        "shared_buffers": ctx.shared_buffers if ctx else None,
        "measured": "cumulative since the statistics were last reset (pg_statio_user_tables); "
                    "includes bulk loads and index builds",
        "most_read_tables": [{"table": display_name(t.io.schemaname, t.io.relname),
                              "blocks_read": t.io.heap_blks_read + t.io.idx_blks_read,
                              "heap_hit_ratio": t.heap_ratio} for t in worst],
    }
    if note:
        evidence["note"] = note
    sb = f" (now {ctx.shared_buffers})" if ctx else ""
    raise_it = f"if the working set should fit in memory, raise shared_buffers{sb} toward 25% of RAM (restart needed)"
    if inp.caps.pgss_schema:
        fix = remedy(f"SELECT query, shared_blks_read FROM {quote_ident(inp.caps.pgss_schema)}.pg_stat_statements "
                     "ORDER BY shared_blks_read DESC LIMIT 10;",
                     note="what reads most from outside shared buffers; " + raise_it)
    else:
        fix = {"remedy": raise_it}
    return [Finding("low_cache_hit_ratio", severity, inp.database,
                    f"{ratio:.1%} of block requests in {inp.database} were served from shared buffers "
                    f"(below {th.cache_hit_warn:.0%}) over {hit + read:,} requests",
                    evidence, **fix)]


def _interval(inp: CheckInputs, cache: Cache) -> tuple[float | None, float]:
    """Hit ratio and block requests over the last sampling interval (None: no interval yet)."""
    ov = inp.frame.overview if inp.frame is not None else None
    secs = getattr(ov, "interval_s", None)
    if not secs or cache.blks_hit_per_s is None or cache.blks_read_per_s is None:
        return None, 0.0
    hits, reads = cache.blks_hit_per_s * secs, cache.blks_read_per_s * secs
    return (hits / (hits + reads) if hits + reads > 0 else None), hits + reads


def _bloat_severity(pct: float | None, nbytes: float | None, th: Thresholds) -> str | None:
    """Tables and indexes share the bloat thresholds; None: no estimate, or below them."""
    if pct is None or nbytes is None or pct < th.bloat_pct or nbytes < th.bloat_min_bytes:
        return None
    return "critical" if pct >= th.bloat_critical_pct and nbytes >= th.bloat_critical_bytes else "warning"


def table_bloat(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    bloat: Bloat = inp.view("bloat")
    out = []
    for r in bloat.tables:
        severity = _bloat_severity(r.est_bloat_pct, r.est_bloat_bytes, th)
        if severity is None or r.est_bloat_pct is None:   # no severity without an estimate
            continue
        name = display_name(r.schemaname, r.relname)
        note = None
        if _stale(r, th):
            severity = "info"
            note = (f"{r.n_mod_since_analyze:,} rows changed since the last ANALYZE: the estimate may be "
                    f"far off; run ANALYZE {qualified(r.schemaname, r.relname)}; and look again")
        evidence = {"relid": r.relid, "size_mb": _mb(r.size_bytes), "est_bloat_mb": _mb(r.est_bloat_bytes),
                    "est_bloat_pct": round(r.est_bloat_pct, 1), "n_live_tup": r.n_live_tup,
                    "n_dead_tup": r.n_dead_tup, "stats_age_s": r.stats_age_s, "method": bloat.method,
                    "confirm": f"SELECT * FROM pgstattuple({quote_literal(qualified(r.schemaname, r.relname))});"}
        if note:
            evidence["note"] = note
        q = qualified(r.schemaname, r.relname)
        out.append(Finding(
            "table_bloat", severity, name,
            f"{name}: about {r.est_bloat_pct:.0f}% ({_mb(r.est_bloat_bytes)} MB) of its "
            f"{_mb(r.size_bytes)} MB is estimated to be empty space",
            evidence,
            **remedy(f"VACUUM (FULL, ANALYZE) {q};",
                     note="rewrites it under an ACCESS EXCLUSIVE lock; pg_repack does the same online")))
    return out


def index_bloat(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    bloat: Bloat = inp.view("bloat")
    tables = {(t.schemaname, t.relname): t for t in bloat.tables}
    out = []
    for r in bloat.indexes:
        severity = _bloat_severity(r.est_bloat_pct, r.est_bloat_bytes, th)
        if severity is None or r.est_bloat_pct is None:   # no severity without an estimate
            continue
        name = display_name(r.schemaname, r.indexrelname)
        evidence = {"indexrelid": r.indexrelid, "table": display_name(r.schemaname, r.relname),
                    "size_mb": _mb(r.size_bytes), "est_bloat_mb": _mb(r.est_bloat_bytes),
                    "est_bloat_pct": round(r.est_bloat_pct, 1), "method": bloat.method}
        t = tables.get((r.schemaname, r.relname))
        if t is not None and _stale(t, th):
            severity = "info"
            evidence["note"] = (f"{t.n_mod_since_analyze:,} rows of its table changed since the last ANALYZE: "
                                "the estimate may be far off")
        out.append(Finding(
            "index_bloat", severity, name,
            f"index {name}: about {r.est_bloat_pct:.0f}% ({_mb(r.est_bloat_bytes)} MB) of its "
            f"{_mb(r.size_bytes)} MB is estimated to be empty space",
            evidence, **remedy(f"REINDEX INDEX CONCURRENTLY {qualified(r.schemaname, r.indexrelname)};")))
    return out


def _since(inp: CheckInputs, ts: datetime | None) -> float | None:
    return (inp.now - ts).total_seconds() if ts is not None else None


def dead_tuples(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    bloat: Bloat = inp.view("bloat")
    ctx = inp.catalog.context() if inp.catalog is not None else None
    out = []
    for r in bloat.tables:
        total = r.n_live_tup + r.n_dead_tup
        if r.n_dead_tup < th.dead_tuples_min or total <= 0:
            continue
        share = r.n_dead_tup / total
        if share < th.dead_tuples_ratio:
            continue
        last = max(filter(None, (r.last_vacuum, r.last_autovacuum)), default=None)
        age = _since(inp, last)
        if age is not None and age < th.dead_tuples_vacuum_age_s:
            continue
        severity = "critical" if share >= th.dead_tuples_critical_ratio else "warning"
        name = display_name(r.schemaname, r.relname)
        q = qualified(r.schemaname, r.relname)
        evidence = {"relid": r.relid, "n_dead_tup": r.n_dead_tup, "n_live_tup": r.n_live_tup,
                    "dead_share": round(share, 4), "last_vacuum": _iso(r.last_vacuum),
                    "last_autovacuum": _iso(r.last_autovacuum), "since_last_vacuum_s": age,
                    "autovacuum": ctx.autovacuum if ctx else None}
        when = "never vacuumed" if age is None else f"last vacuumed {age / 60:.0f} min ago"
        out.append(Finding(
            "dead_tuples", severity, name,
            f"{name} has {r.n_dead_tup:,} dead rows ({share:.0%} of its rows), {when}",
            evidence,
            **remedy(f"VACUUM (ANALYZE, VERBOSE) {q};",
                     note=f"if autovacuum cannot keep up: ALTER TABLE {q} SET (autovacuum_vacuum_scale_factor = 0.05); "
                          "and look for long transactions holding back cleanup")))
    return out


def stale_statistics(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    bloat: Bloat = inp.view("bloat")
    out = []
    for r in bloat.tables:
        last = max(filter(None, (r.last_analyze, r.last_autoanalyze)), default=None)
        if last is None:
            if r.n_live_tup < th.stale_stats_min_changes:
                continue
            msg = f"has {r.n_live_tup:,} rows and was never analyzed: the planner guesses its row counts"
        else:
            if r.n_mod_since_analyze < th.stale_stats_min_changes:
                continue
            if r.n_mod_since_analyze < th.stale_stats_ratio * max(r.n_live_tup, 1):
                continue
            msg = (f"had {r.n_mod_since_analyze:,} rows changed since its last ANALYZE "
                   f"({r.n_mod_since_analyze / max(r.n_live_tup, 1):.0%} of {r.n_live_tup:,} live rows)")
        name = display_name(r.schemaname, r.relname)
        evidence = {"relid": r.relid, "n_mod_since_analyze": r.n_mod_since_analyze, "n_live_tup": r.n_live_tup,
                    "last_analyze": _iso(r.last_analyze), "last_autoanalyze": _iso(r.last_autoanalyze),
                    "stats_age_s": r.stats_age_s}
        out.append(Finding("stale_statistics", "warning", name, f"{name} {msg}", evidence,
                           **remedy(f"ANALYZE {qualified(r.schemaname, r.relname)};")))
    return out
