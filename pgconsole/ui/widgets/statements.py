"""Slow queries: pg_stat_statements by total / mean / calls / rows / I/O, cumulative or
over the last interval; EXPLAIN (GENERIC_PLAN) and reset on request."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from ... import derive, fmt
from ...actions import explain_unavailable_reason
from ...snapshots import Frame, Statement, Statements
from .. import keys
from ..messages import ConfirmAction, ExplainStatement
from .detail import query_parts
from .pane import Pane, Sort, register_pane
from .table import Col

LABELS = {  # column key: (cumulative, last interval)
    "calls": ("calls", "calls/s"),
    "total": ("total", "ms/s"),
    "mean": ("mean", "mean"),
    "rows": ("rows", "rows/s"),
    "io": ("I/O", "I/O ms/s"),
}


def _key(s: Statement) -> str:
    r = s.row
    return f"{r.userid}:{r.dbid}:{r.queryid}:{int(r.toplevel)}"


def _no_text(s: Statement) -> str:
    if s.hidden:
        return (f"(other role's statements: {s.hidden_entries} hidden entr{'y' if s.hidden_entries == 1 else 'ies'}, "
                "no interval figures)")
    return f"(queryid {s.row.queryid}: no text)"


def _per_s(v: float | int | None, secs: float | None) -> float | None:
    if v is None or not secs:
        return None
    return v / secs


@register_pane
class StatementsPane(Pane):
    pane_id = "statements"
    REUSE_ROWS_S = 10.0   # the view is read every few seconds, not every refresh
    title = "Slow queries"
    short = "Slow"
    view = "statements"
    order = 40
    BINDINGS = keys.bindings("pane") + keys.bindings("statements")
    COLUMNS = [
        Col("calls", "calls", 9, right=True),
        Col("total", "total", 9, right=True),
        Col("mean", "mean", 8, right=True),
        Col("rows", "rows", 9, right=True, min_table=100),
        Col("io", "I/O", 9, right=True, min_table=110),
        Col("hit", "hit", 6, right=True),
        Col("db", "db", 10, min_table=120),
        Col("user", "user", 10, min_table=140),
        Col("query", "normalized query", flex=True),
    ]
    SORTS = {
        "total": Sort("total time", None),
        "mean": Sort("mean time", None),
        "calls": Sort("calls", None),
        "rows": Sort("rows", None),
        "io": Sort("I/O time (track_io_timing)", None),
    }
    DEFAULT_SORT = "total"
    FILTER_FIELDS = ("db", "user", "query", "queryid")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.interval = False
        self.show_own = False   # pgconsole's own statements (sqlfiles.MARKER): hidden unless asked

    def rows(self, view: Statements, frame: Frame) -> list[tuple[str, Any]]:
        by = self.sort_key if self.sort_key in derive.TOP_BY else "total"
        # all of them, in order: the filter must search every statement, not the top N
        # (the pane shows the first ROW_LIMIT of what matches)
        return [(_key(s), s) for s in derive.top_statements(view, by, self.interval, len(view.statements),
                                                            own=self.show_own)]

    def cells(self, s: Statement, frame: Frame) -> dict:
        r = s.row
        secs = frame.statements.interval_s if isinstance(frame.statements, Statements) else None
        hit_style = "" if s.hit_ratio is None or s.hit_ratio >= 0.99 else "yellow"
        if self.interval:
            vals = {
                "calls": fmt.num(_per_s(s.d_calls, secs), 1),
                "total": fmt.num(_per_s(s.d_total_ms, secs), 1),
                "mean": fmt.ms(s.d_mean_ms),
                "rows": fmt.num(_per_s(s.d_rows, secs), 1),
                "io": fmt.num(_per_s(s.d_io_ms, secs), 1),
            }
        else:
            vals = {
                "calls": fmt.num(r.calls),
                "total": fmt.ms(r.total_exec_ms),
                "mean": fmt.ms(r.mean_exec_ms),
                "rows": fmt.num(r.rows),
                "io": fmt.ms(r.io_read_ms + r.io_write_ms),
            }
        out: dict = {k: Text(v) for k, v in vals.items()}
        out.update({
            "hit": Text(fmt.pct(s.hit_ratio, 0) if s.hit_ratio is not None else "", style=hit_style),
            "db": Text(r.datname or ""),
            "user": Text(r.usename or ""),
            "query": Text(s.query or _no_text(s), style="" if s.query else "dim"),
        })
        return out

    def fields(self, s: Statement) -> dict[str, object]:
        return {"db": s.row.datname, "user": s.row.usename, "query": s.query, "queryid": s.row.queryid}

    def column_label(self, c: Col) -> str:
        if c.key in LABELS:
            return LABELS[c.key][1 if self.interval else 0]
        return c.label

    def status_line(self, view: Statements, frame: Frame) -> Text:
        t = Text()
        t.append("last interval" if self.interval else "cumulative", style="bold")
        if self.interval:
            if view.interval_s is None:
                t.append(" — needs two samples: wait for the next refresh", style="yellow")
            else:
                t.append(f" ({fmt.duration(view.interval_s)})")
        t.append(f" · {len(view.statements):,} statements, {fmt.ms(view.total_exec_ms)} in all")
        t.append(f" · pgss {view.ext_version}", style="dim")
        own = sum(1 for s in view.statements if s.own)
        notes = ["i: " + ("cumulative" if self.interval else "interval"),
                 f"o: {'hide' if self.show_own else 'show'} pgconsole's own ({own})"] + self.extra_status()
        t.append(" · " + " · ".join(notes), style="dim")
        if view.limited:
            t.append("\n" + view.limited, style="yellow")
        return t

    def detail(self, key: str | None):
        s = self._objects.get(key) if key else None
        if s is None:
            return None
        r = s.row
        st = self.frame.statements if self.frame else None
        share = r.total_exec_ms / st.total_exec_ms if isinstance(st, Statements) and st.total_exec_ms else None
        t = Text()
        if s.hidden:
            t.append(f"{s.hidden_entries} statement(s) of role {r.usename or r.userid} folded together: this role "
                     "may not see their queryid or text, so no interval figures\n", style="yellow")
        t.append(f"queryid {r.queryid if r.queryid is not None else 'hidden'}  db {r.datname or '-'}  user {r.usename or '-'}"
                 f"{'' if r.toplevel else '  (nested)'}\n", style="bold")
        t.append(f"calls {fmt.num(r.calls)}  total {fmt.ms(r.total_exec_ms)} ({fmt.pct(share)} of all)  "
                 f"mean {fmt.ms(r.mean_exec_ms)}  max {fmt.ms(r.max_exec_ms)}  "
                 f"stddev {fmt.ms(r.stddev_exec_ms)}  planning {fmt.ms(r.total_plan_ms)}\n")
        t.append(f"rows {fmt.num(r.rows)}  shared hit {fmt.num(r.shared_blks_hit)} read {fmt.num(r.shared_blks_read)}"
                 f" ({fmt.pct(s.hit_ratio)})  dirtied {fmt.num(r.shared_blks_dirtied)}  "
                 f"temp {fmt.num(r.temp_blks_read + r.temp_blks_written)} blks  "
                 f"I/O {fmt.ms(r.io_read_ms + r.io_write_ms)}\n")
        if s.d_calls is not None:
            t.append(f"last interval: {fmt.num(s.d_calls)} calls, {fmt.ms(s.d_total_ms)}, "
                     f"mean {fmt.ms(s.d_mean_ms)}, {fmt.num(s.d_rows)} rows\n", style="cyan")
        return Group(t, *query_parts("normalized query", s.query, "(no text: evicted, or hidden from this role)"))

    # -- keys ------------------------------------------------------------------------
    def action_toggle_interval(self) -> None:
        self.interval = not self.interval
        self.redraw()

    def action_toggle_own(self) -> None:
        self.show_own = not self.show_own
        self.notify("pgconsole's own statements " + ("shown" if self.show_own else "hidden")
                    + " (the Findings pane follows)", timeout=3)
        self.redraw()

    def action_explain(self) -> None:
        s = self.selected
        if s is None:
            self.notify("select a statement first", severity="warning")
            return
        caps = self.console.caps
        reason = explain_unavailable_reason(caps.version_num) if caps else "not connected"
        if reason:
            self.notify(reason, title="EXPLAIN unavailable", severity="warning", timeout=10)
            return
        self.post_message(ExplainStatement(s.query or "", s.row.datname))

    def action_reset(self) -> None:
        caps = self.console.caps
        body = Text("Reset pg_stat_statements?\n\n", style="bold")
        body.append("Every statement's counters go back to zero, for every user of this server "
                    "(pg_stat_statements_reset()). Cumulative figures restart from now.")

        async def run(actions):
            if caps is None:
                from ...errors import PgConsoleError
                raise PgConsoleError("not connected")
            return await actions.reset_statements(caps)

        self.post_message(ConfirmAction("Reset statistics", body, run, danger=True, refresh=("statements",)))
