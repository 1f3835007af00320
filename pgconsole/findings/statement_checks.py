"""Checks over pg_stat_statements: slow statements and N+1 lookups, in this database.

Figures are cumulative since pg_stat_statements was last reset. Only top-level,
data-manipulating statements are judged: a CREATE INDEX or COPY taking seconds
during a load is not a slow query, and a statement nested in a function is judged
through its caller.
"""

from __future__ import annotations

import re

from ..snapshots import Statement, Statements
from .inputs import CheckInputs
from .model import Finding, Thresholds

_FIRST_WORD = re.compile(r"^(?:\s+|--[^\n]*\n|/\*.*?\*/|\()*([A-Za-z]+)", re.DOTALL)
DML = frozenset({"select", "insert", "update", "delete", "with", "merge", "values", "table"})
PRELOAD_HINT = ("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; "
                "-- keep any libraries already listed; then restart the server")


def first_word(query: str | None) -> str | None:
    m = _FIRST_WORD.match(query or "")
    return m.group(1).lower() if m else None


def _ours(inp: CheckInputs, st: Statements) -> list[Statement]:
    return [s for s in st.statements if s.row.datname == inp.database and s.row.toplevel]


def _text(q: str | None, width: int = 400) -> str | None:
    if q is None:
        return None
    q = " ".join(q.split())
    return q if len(q) <= width else q[: width - 1] + "…"


def slow_query(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    st: Statements = inp.view("statements")
    total = sum(s.row.total_exec_ms for s in _ours(inp, st)) or 1.0
    out = []
    for s in _ours(inp, st):
        r = s.row
        if r.calls < th.slow_query_min_calls or r.mean_exec_ms < th.slow_query_ms:
            continue
        if first_word(s.query) not in DML:
            continue  # utility statements (DDL, COPY, VACUUM) and hidden texts are not judged
        severity = "critical" if r.mean_exec_ms >= th.slow_query_critical_ms else "warning"
        evidence = {"queryid": r.queryid, "calls": r.calls, "mean_ms": round(r.mean_exec_ms, 3),
                    "max_ms": round(r.max_exec_ms, 3), "total_ms": round(r.total_exec_ms, 1),
                    "share_of_db_time": round(r.total_exec_ms / total, 4),
                    "rows_per_call": round(r.rows / r.calls, 2) if r.calls else None,
                    "shared_blks_read": r.shared_blks_read, "temp_blks_written": r.temp_blks_written,
                    "user": r.usename, "query": _text(s.query)}
        if inp.caps.version_num >= 160000:
            remedy = (f"EXPLAIN (GENERIC_PLAN) {_text(s.query, 2000)};  -- then EXPLAIN (ANALYZE, BUFFERS) "
                      "with real values, and index the columns its plan filters on")
        else:
            remedy = "EXPLAIN (ANALYZE, BUFFERS) the statement with real parameter values, and index what it filters on"
        out.append(Finding(
            "slow_query", severity, f"query {r.queryid}",
            f"a statement takes {r.mean_exec_ms:,.0f} ms on average over {r.calls:,} calls: {_text(s.query, 80)}",
            evidence, remedy))
    return out


def _lookup(s: Statement, th: Thresholds) -> bool:
    """A parameterized SELECT returning about one row: the shape of a per-row fetch."""
    r = s.row
    return (first_word(s.query) in ("select", "with") and "$1" in (s.query or "")
            and r.calls > 0 and r.rows / r.calls <= th.n_plus_one_max_rows)


def n_plus_one(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    st: Statements = inp.view("statements")
    mine = _ours(inp, st)
    # the busiest statement that is not a one-row lookup stands for "the work": a loop of
    # lookups runs many times more often than the statement that produced the keys
    others = [s for s in mine if first_word(s.query) in DML and not _lookup(s, th)]
    ref = max(others, key=lambda s: s.row.calls, default=None)
    ref_calls = ref.row.calls if ref is not None else 0
    total = sum(s.row.total_exec_ms for s in mine) or 1.0
    out = []
    for s in mine:
        r = s.row
        if not _lookup(s, th) or r.calls < th.n_plus_one_min_calls or r.mean_exec_ms > th.n_plus_one_max_mean_ms:
            continue
        ratio = r.calls / max(ref_calls, 1)
        if ratio < th.n_plus_one_ratio:
            continue
        evidence = {"queryid": r.queryid, "calls": r.calls, "mean_ms": round(r.mean_exec_ms, 4),
                    "rows_per_call": round(r.rows / r.calls, 3), "total_ms": round(r.total_exec_ms, 1),
                    "share_of_db_time": round(r.total_exec_ms / total, 4),
                    "busiest_other_statement_calls": ref_calls,
                    "busiest_other_statement": _text(ref.query, 200) if ref else None,
                    "calls_ratio": round(ratio, 1), "query": _text(s.query),
                    "assumed": "a cheap one-row SELECT run many times more often than any other statement "
                               "is a per-row lookup in a client loop"}
        if st.interval_s and s.d_calls is not None:
            evidence["calls_per_s_now"] = round(s.d_calls / st.interval_s, 1)
        out.append(Finding(
            "n_plus_one", "warning", f"query {r.queryid}",
            f"a one-row lookup ran {r.calls:,} times ({ratio:,.0f}x the busiest other statement), "
            f"{r.mean_exec_ms:.3f} ms each: {_text(s.query, 80)}",
            evidence,
            "fetch the rows in one statement: WHERE key = ANY($1) with the list of keys, or a JOIN with the "
            "query that produced them (ORMs: eager loading, e.g. select_related / includes / joinedload)"))
    return out


def pg_stat_statements_missing(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    caps, db = inp.caps, inp.database
    installed, loaded = caps.pgss_schema is not None, caps.pgss_preloaded
    if installed and loaded is not False:
        return []
    evidence = {"installed_in_database": installed, "extension_schema": caps.pgss_schema,
                "in_shared_preload_libraries": loaded, "available": caps.pgss_available,
                "shared_preload_libraries": caps.shared_preload_libraries}
    if not installed and loaded is False:
        what = "is neither loaded (shared_preload_libraries) nor installed"
        remedy = f"{PRELOAD_HINT}; then in {db}: CREATE EXTENSION pg_stat_statements;"
    elif not installed:
        what = "is not installed in this database"
        remedy = f"CREATE EXTENSION pg_stat_statements;  -- in database {db}"
    else:
        what = "is installed but not loaded"
        remedy = PRELOAD_HINT
    if not caps.pgss_available:
        remedy = "install the PostgreSQL contrib package for this server version, then: " + remedy
    return [Finding("pg_stat_statements_missing", "info", db,
                    f"pg_stat_statements {what}: slow queries and N+1 patterns cannot be measured", evidence,
                    remedy)]
