"""Bloat: estimated waste per table and index, dead tuples, vacuum and analyze ages;
exact figures (pgstattuple) and VACUUM ANALYZE on request."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group
from rich.text import Text

from ... import fmt
from ...quoting import display_name
from ...snapshots import Bloat, ExactBloat, Frame, IndexBloatRow, TableBloatRow
from ...source import DataSource
from .. import keys
from ..messages import ConfirmVacuum, LoadDetail
from .pane import Pane, Sort, register_pane
from .table import Col


def _latest(*ts: datetime | None) -> datetime | None:
    return max((t for t in ts if t is not None), default=None)


def coarse(seconds: float | None) -> str:
    """An age to the minute: vacuum and analyze ages need no seconds (and then change
    once a minute, not on every refresh)."""
    if seconds is None:
        return "-"
    m = int(max(seconds, 0) // 60)
    if m == 0:
        return "<1m"
    if m < 60:
        return f"{m}m"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def _ago(ts: datetime | None, now: datetime) -> str:
    return "never" if ts is None else coarse((now - ts).total_seconds())


def _epoch(ts: datetime | None) -> float:
    return ts.timestamp() if ts is not None else 0.0


def _pct(p: float | None) -> Text:
    if p is None:
        return Text("-", style="dim")
    return Text(f"{p:.0f}%", style="bold red" if p >= 50 else "yellow" if p >= 20 else "")


def _name(schema: str | None, name: str) -> str:
    """As SQL reads it, public left out: orders, audit.events, "Order Items"."""
    return display_name(schema, name, hide_schema="public")


@register_pane
class BloatPane(Pane):
    pane_id = "bloat"
    REUSE_ROWS_S = 10.0   # the view is read every few seconds, not every refresh
    title = "Bloat"
    short = "Bloat"
    view = "bloat"
    order = 50
    BINDINGS = keys.bindings("pane") + keys.bindings("bloat")
    MODES = {
        "tables": [
            Col("t_name", "table", flex=True, min_flex=14),
            Col("t_size", "size", 9, right=True),
            Col("t_waste", "est.waste", 9, right=True),
            Col("t_pct", "%", 4, right=True),
            Col("t_dead", "dead tup", 9, right=True),
            Col("t_live", "live tup", 10, right=True, min_table=120),
            Col("t_vac", "vacuumed", 8, right=True),
            Col("t_anl", "analyzed", 8, right=True, min_table=100),
            Col("t_mod", "mod.since", 9, right=True, min_table=130),
        ],
        "indexes": [
            Col("i_name", "index", flex=True, min_flex=16),
            Col("i_table", "table", 18, min_table=100),
            Col("i_size", "size", 9, right=True),
            Col("i_waste", "est.waste", 9, right=True),
            Col("i_pct", "%", 4, right=True),
        ],
    }
    SORTS = {
        "t_name": Sort("table name", lambda r: _name(r.schemaname, r.relname), descending=False),
        "t_size": Sort("size", lambda r: r.size_bytes),
        "t_waste": Sort("estimated wasted bytes", lambda r: r.est_bloat_bytes),
        "t_pct": Sort("estimated waste %", lambda r: r.est_bloat_pct),
        "t_dead": Sort("dead tuples", lambda r: r.n_dead_tup),
        "t_live": Sort("live tuples", lambda r: r.n_live_tup),
        "t_vac": Sort("last vacuum (never first, then oldest)", lambda r: _epoch(
            _latest(r.last_vacuum, r.last_autovacuum)), descending=False),
        "t_anl": Sort("last analyze (oldest first)", lambda r: r.stats_age_s if r.stats_age_s is not None
                      else float("inf")),
        "t_mod": Sort("rows modified since analyze", lambda r: r.n_mod_since_analyze),
        "i_name": Sort("index name", lambda r: _name(r.schemaname, r.indexrelname), descending=False),
        "i_table": Sort("table name", lambda r: _name(None, r.relname), descending=False),
        "i_size": Sort("size", lambda r: r.size_bytes),
        "i_waste": Sort("estimated wasted bytes", lambda r: r.est_bloat_bytes),
        "i_pct": Sort("estimated waste %", lambda r: r.est_bloat_pct),
    }
    FILTER_FIELDS = ("schema", "table", "index")

    def rows(self, view: Bloat, frame: Frame) -> list[tuple[str, Any]]:
        if self.mode == "indexes":
            return [(str(r.indexrelid), r) for r in view.indexes]
        return [(str(r.relid), r) for r in view.tables]

    def cells(self, r: Any, frame: Frame) -> dict:
        if isinstance(r, IndexBloatRow):
            return {
                "i_name": Text(_name(r.schemaname, r.indexrelname)),
                "i_table": Text(_name(None, r.relname)),
                "i_size": Text(fmt.bytes_(r.size_bytes)),
                "i_waste": Text(fmt.bytes_(r.est_bloat_bytes) if r.est_bloat_bytes is not None else "n/a",
                                style="" if r.est_bloat_bytes is not None else "dim"),
                "i_pct": _pct(r.est_bloat_pct),
            }
        now = frame.sampled_at
        vac = _latest(r.last_vacuum, r.last_autovacuum)
        dead_share = r.n_dead_tup / max(r.n_live_tup + r.n_dead_tup, 1)
        return {
            "t_name": Text(_name(r.schemaname, r.relname)),
            "t_size": Text(fmt.bytes_(r.size_bytes)),
            "t_waste": Text(fmt.bytes_(r.est_bloat_bytes) if r.est_bloat_bytes is not None else "n/a",
                            style="" if r.est_bloat_bytes is not None else "dim"),
            "t_pct": _pct(r.est_bloat_pct),
            "t_dead": Text(fmt.num(r.n_dead_tup), style="yellow" if dead_share > 0.2 and r.n_dead_tup > 1000 else ""),
            "t_live": Text(fmt.num(r.n_live_tup)),
            "t_vac": Text(_ago(vac, now), style="dim" if vac is None else ""),
            "t_anl": Text(coarse(r.stats_age_s) if r.stats_age_s is not None else "never",
                          style="yellow" if r.stats_age_s is None else ""),
            "t_mod": Text(fmt.num(r.n_mod_since_analyze)),
        }

    def fields(self, r: Any) -> dict[str, object]:
        return {"schema": r.schemaname, "table": r.relname, "index": getattr(r, "indexrelname", None)}

    def status_line(self, view: Bloat, frame: Frame) -> Text:
        rows = view.indexes if self.mode == "indexes" else view.tables
        total = sum(r.est_bloat_bytes or 0 for r in rows)
        t = Text()
        t.append(f"{len(rows)} {self.mode}, ~{fmt.bytes_(total)} est. waste", style="bold")
        t.append(" (catalog estimate, as of the last ANALYZE)", style="dim")
        notes = self.extra_status()
        if notes:
            t.append(" · " + " · ".join(notes), style="dim")
        # one line at 80 columns: the keys are in the footer too
        return self.fit_status(t, ["e: exact", "t: " + ("tables" if self.mode == "indexes" else "indexes")])

    def detail(self, key: str | None):
        r = self._objects.get(key) if key else None
        if r is None:
            return None
        t = Text()
        if isinstance(r, IndexBloatRow):
            t.append(f"index {display_name(r.schemaname, r.indexrelname)} on {_name(None, r.relname)}  "
                     f"({fmt.bytes_(r.size_bytes)})\n",
                     style="bold")
            t.append(f"estimated waste {fmt.bytes_(r.est_bloat_bytes)} ({fmt.pct((r.est_bloat_pct or 0) / 100, 0)})"
                     if r.est_bloat_bytes is not None else f"no estimate: {r.no_estimate_reason or 'unknown'}")
            return t
        now = self.frame.sampled_at if self.frame else None
        t.append(f"table {display_name(r.schemaname, r.relname)}  ({fmt.bytes_(r.size_bytes)})\n", style="bold")
        if r.est_bloat_bytes is not None:
            t.append(f"estimated waste {fmt.bytes_(r.est_bloat_bytes)} ({r.est_bloat_pct or 0:.0f}%)  ")
        else:
            t.append(f"no estimate: {r.no_estimate_reason or 'unknown'}  ", style="yellow")
        t.append(f"live {fmt.num(r.n_live_tup)}  dead {fmt.num(r.n_dead_tup)}  "
                 f"modified since analyze {fmt.num(r.n_mod_since_analyze)}\n")
        if now is not None:
            t.append(f"vacuum {_ago(r.last_vacuum, now)} ago · autovacuum {_ago(r.last_autovacuum, now)} ago · "
                     f"analyze {_ago(r.last_analyze, now)} ago · autoanalyze {_ago(r.last_autoanalyze, now)} ago\n"
                     .replace("never ago", "never"))
        parts: list = [t]
        exact = self.extras.get(("exact", key))
        if isinstance(exact, ExactBloat):
            e = Text("pgstattuple (exact)\n", style="dim underline")
            e.append(f"  live {fmt.num(exact.tuple_count)} tuples, {fmt.bytes_(exact.tuple_len)} "
                     f"({exact.tuple_percent:.1f}%) · dead {fmt.num(exact.dead_tuple_count)}, "
                     f"{fmt.bytes_(exact.dead_tuple_len)} ({exact.dead_tuple_percent:.1f}%) · free "
                     f"{fmt.bytes_(exact.free_space)} ({exact.free_percent:.1f}%)", style="bold")
            parts.append(e)
        elif isinstance(exact, str):
            parts.append(Text(f"pgstattuple: {exact}", style="yellow"))
        else:
            parts.append(Text("e: measure exactly with pgstattuple (reads the whole table) · "
                              "v: VACUUM ANALYZE it", style="dim"))
        return Group(*parts)

    # -- keys ------------------------------------------------------------------------
    def action_toggle_kind(self) -> None:
        self.set_mode("indexes" if self.mode == "tables" else "tables")

    def _selected_table(self) -> TableBloatRow | None:
        r = self.selected
        if not isinstance(r, TableBloatRow):
            self.notify("select a table first (t switches to tables)", severity="warning")
            return None
        return r

    def action_exact(self) -> None:
        r = self._selected_table()
        if r is None:
            return
        key = str(r.relid)
        relid = r.relid

        async def read(source: DataSource) -> object:
            return await source.exact_bloat(relid)

        self.notify(f"pgstattuple reading {display_name(r.schemaname, r.relname)} ({fmt.bytes_(r.size_bytes)})…",
                    timeout=3)
        self.post_message(LoadDetail(self.pane_id, key, "exact", read, announce=True))

    def action_vacuum(self) -> None:
        r = self._selected_table()
        if r is not None:
            self.post_message(ConfirmVacuum((r.schemaname, r.relname), display_name(r.schemaname, r.relname),
                                            r.n_dead_tup))

    def action_vacuum_db(self) -> None:
        self.post_message(ConfirmVacuum(None, "every table of this database", None))
