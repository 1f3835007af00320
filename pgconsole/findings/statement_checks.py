"""Checks over pg_stat_statements: slow statements and N+1 lookups, in this database.

Figures are cumulative since pg_stat_statements was last reset; N+1 is judged over the
last interval first (a burst shows there), then cumulatively, and the evidence says
which. Only top-level, data-manipulating statements are judged: a CREATE INDEX or COPY
taking seconds during a load is not a slow query, and a statement nested in a
function is judged through its caller. pgconsole's own statements are left out unless
asked; other roles' hidden entries cannot be judged, and the checks then say so.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ..capabilities import Capabilities
from ..quoting import quote_literal
from ..snapshots import Statement, Statements
from .inputs import CheckInputs
from .model import Finding, Outcome, Thresholds, display_name, remedy

_FIRST_WORD = re.compile(r"^(?:\s+|--[^\n]*\n|/\*.*?\*/|\()*([A-Za-z]+)", re.DOTALL)
DML = frozenset({"select", "insert", "update", "delete", "with", "merge", "values", "table"})
PRELOAD_HINT = ("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; "
                "-- keep any libraries already listed; then restart the server")


def first_word(query: str | None) -> str | None:
    m = _FIRST_WORD.match(query or "")
    return m.group(1).lower() if m else None


def _ours(inp: CheckInputs, st: Statements) -> list[Statement]:
    """This database's top-level statements that can be judged: not another role's hidden
    entries, and not pgconsole's own (unless asked)."""
    return [s for s in st.statements if s.row.datname == inp.database and s.row.toplevel and not s.hidden
            and (inp.own_statements or not s.own)]


def _blind(inp: CheckInputs, st: Statements) -> dict[str, str]:
    if not st.limited:
        return {}
    return {"blind": "other roles' statements are hidden from this role (no queryid, no text): they are not judged",
            "hint": f"GRANT pg_read_all_stats TO {display_name(None, inp.caps.current_user or 'you')};"}


def _text(q: str | None, width: int = 400) -> str | None:
    if q is None:
        return None
    q = " ".join(q.split())
    return q if len(q) <= width else q[: width - 1] + "…"


def cumulative_window(st: Statements, now: datetime) -> tuple[str, float | None]:
    """What cumulative pg_stat_statements figures cover, and for how many seconds (None: unknown)."""
    if st.reset_at is not None:
        secs = (now - st.reset_at).total_seconds()
        return f"cumulative since pg_stat_statements was reset at {st.reset_at:%Y-%m-%d %H:%M:%S %Z}", secs
    return "cumulative since pg_stat_statements started counting (its reset time is not known here)", None


def slow_query(inp: CheckInputs, th: Thresholds) -> Outcome:
    st: Statements = inp.view("statements")
    mine = _ours(inp, st)
    total = sum(s.row.total_exec_ms for s in mine) or 1.0
    window, _ = cumulative_window(st, inp.now)
    out = []
    for s in mine:
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
                    "user": r.usename, "query": _text(s.query), "window": window}
        if st.interval_s and s.d_calls and s.d_mean_ms is not None:   # d_calls: it has a mean
            evidence["interval_mean_ms"] = round(s.d_mean_ms, 3)
            evidence["interval_calls"] = s.d_calls
        text = _text(s.query, 4000)
        if inp.caps.version_num >= 160000 and text and not text.endswith("…"):
            fix = remedy(f"EXPLAIN (GENERIC_PLAN) {text.rstrip(';')};",
                         note="with the search_path its application uses; then EXPLAIN (ANALYZE, BUFFERS) with "
                              "real values, and index the columns its plan filters on")
        else:
            fix = {"remedy": "EXPLAIN (ANALYZE, BUFFERS) the statement with real parameter values, and index "
                             "what it filters on"}
        out.append(Finding(
            "slow_query", severity, f"query {r.queryid}",
            f"a statement takes {r.mean_exec_ms:,.0f} ms on average over {r.calls:,} calls: {_text(s.query, 80)}",
            evidence, **fix))
    return Outcome(out, **_blind(inp, st))


# a key given as a parameter: "= $1", "IN ($1)" (not "= ANY($1)": a list is the cure)
_KEYED = re.compile(r"(?:=|\bin\s*\()\s*\$\d+\b", re.IGNORECASE)


def keyed_select(s: Statement) -> bool:
    """A SELECT whose filter takes a key as a parameter: the shape of a per-row fetch."""
    return first_word(s.query) in ("select", "with") and bool(_KEYED.search(s.query or ""))


def _window_figures(s: Statement, interval: bool) -> tuple[int, int, float] | None:
    """(calls, rows, mean ms) over the interval or cumulatively; None when not measured."""
    if not interval:
        return s.row.calls, s.row.rows, s.row.mean_exec_ms
    if s.d_calls is None:
        return None
    return s.d_calls, s.d_rows or 0, s.d_mean_ms or 0.0


def _n_plus_one_in(mine: list[Statement], th: Thresholds, interval: bool, secs: float | None) -> dict[int, dict[str, Any]]:
    """Statements with the N+1 shape in one window: queryid -> what was measured."""
    min_calls = th.n_plus_one_min_rate * secs if interval and secs is not None else th.n_plus_one_min_calls
    figures = {id(s): f for s in mine if (f := _window_figures(s, interval)) is not None}

    def candidate(s: Statement) -> bool:
        f = figures.get(id(s))
        return (f is not None and f[0] >= max(min_calls, 1) and keyed_select(s)
                and f[1] / f[0] <= th.n_plus_one_max_rows and f[2] <= th.n_plus_one_max_mean_ms)

    cands = [s for s in mine if candidate(s)]
    found: dict[int, dict[str, Any]] = {}
    for s in cands:
        if s.row.queryid is None:   # a hidden entry: never one of `mine`
            continue
        # its siblings: the same role's other data statements in this database that are not
        # themselves such hot lookups; the busiest stands for "the work" that produced the keys
        sibs = [o for o in mine if o is not s and o.row.userid == s.row.userid and first_word(o.query) in DML
                and o not in cands and (figures.get(id(o)) or (0,))[0] > 0]
        if not sibs:
            continue   # nothing else ran: no loop to be inside of
        ref = max(sibs, key=lambda o: figures[id(o)][0])
        calls, rows, mean = figures[id(s)]
        ratio = calls / figures[id(ref)][0]
        if ratio < th.n_plus_one_ratio:
            continue
        found[s.row.queryid] = {"calls": calls, "rows_per_call": round(rows / calls, 3), "mean_ms": round(mean, 4),
                                "busiest_sibling_calls": figures[id(ref)][0],
                                "busiest_sibling": _text(ref.query, 200), "calls_ratio": round(ratio, 1)}
    return found


def n_plus_one(inp: CheckInputs, th: Thresholds) -> Outcome:
    st: Statements = inp.view("statements")
    mine = [s for s in _ours(inp, st) if s.query]
    total = sum(s.row.total_exec_ms for s in mine) or 1.0
    cumulative, cum_secs = cumulative_window(st, inp.now)
    secs = st.interval_s
    now_found = _n_plus_one_in(mine, th, True, secs) if secs else {}
    cum_found = _n_plus_one_in(mine, th, False, None)
    out = []
    for s in mine:
        qid = s.row.queryid
        if qid in now_found:
            m, window = now_found[qid], f"the {secs:.1f} s between two samples of pg_stat_statements"
            rate = m["calls"] / secs
        elif qid in cum_found:
            m, window = cum_found[qid], cumulative
            rate = m["calls"] / cum_secs if cum_secs else None
        else:
            continue
        evidence = {"queryid": qid, "window": window, **m,
                    "calls_per_s": round(rate, 1) if rate is not None else None,
                    "total_ms": round(s.row.total_exec_ms, 1), "share_of_db_time": round(s.row.total_exec_ms / total, 4),
                    "user": s.row.usename, "query": _text(s.query),
                    "assumed": (f"a cheap SELECT by a key (at most {th.n_plus_one_max_mean_ms:g} ms and "
                                f"{th.n_plus_one_max_rows:g} rows a call) run {th.n_plus_one_ratio:g}x or more as "
                                "often as the busiest other statement of the same role is a per-row fetch in a "
                                "client loop")}
        if qid in now_found and qid in cum_found:
            evidence["cumulative_calls"] = s.row.calls
        out.append(Finding(
            "n_plus_one", "warning", f"query {qid}",
            f"a lookup by key ran {m['calls']:,} times ({m['calls_ratio']:,.0f}x the busiest other statement"
            + (f", {rate:,.0f}/s" if rate is not None else "") + f"), {m['rows_per_call']:g} rows and "
            f"{m['mean_ms']:.3f} ms each: {_text(s.query, 80)}",
            evidence,
            remedy="fetch the rows in one statement: WHERE key = ANY($1) with the list of keys, or a JOIN with the "
                   "query that produced them (ORMs: eager loading, e.g. select_related / includes / joinedload)"))
    return Outcome(out, **_blind(inp, st))


def _preload(caps: Capabilities) -> str | None:
    """ALTER SYSTEM adding pg_stat_statements to the libraries already listed (None: unknown list)."""
    if caps.shared_preload_libraries is None:
        return None
    libs = [x.strip().strip('"') for x in caps.shared_preload_libraries.split(",") if x.strip()]
    libs = [x for x in libs if x != "pg_stat_statements"] + ["pg_stat_statements"]
    return "ALTER SYSTEM SET shared_preload_libraries = " + ", ".join(quote_literal(x) for x in libs) + ";"


def pg_stat_statements_missing(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    caps, db = inp.caps, inp.database
    installed, loaded = caps.pgss_schema is not None, caps.pgss_preloaded
    if installed and loaded is not False:
        return []
    evidence = {"installed_in_database": installed, "extension_schema": caps.pgss_schema,
                "in_shared_preload_libraries": loaded, "available": caps.pgss_available,
                "shared_preload_libraries": caps.shared_preload_libraries}
    create = "CREATE EXTENSION pg_stat_statements;"
    preload = _preload(caps)
    contrib = "" if caps.pgss_available else "first install the PostgreSQL contrib package for this server version; "
    if not installed and loaded is False:
        what = "is neither loaded (shared_preload_libraries) nor installed"
        assert preload is not None   # loaded is False: the list of libraries was read
        fix = remedy(preload, create, note=f"{contrib}restart the server between the two (ALTER SYSTEM takes effect "
                                           f"then); then in {db}: CREATE EXTENSION, as above")
    elif not installed:
        what = "is not installed in this database"
        fix = remedy(create, note=f"{contrib}in database {db}")
    else:
        what = "is installed but not loaded"
        fix = (remedy(preload, note=f"{contrib}then restart the server") if preload
               else {"remedy": contrib + PRELOAD_HINT})
    return [Finding("pg_stat_statements_missing", "info", db,
                    f"pg_stat_statements {what}: slow queries and N+1 patterns cannot be measured", evidence, **fix)]
