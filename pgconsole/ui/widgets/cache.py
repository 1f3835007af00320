"""Cache: hit ratios for the server, this database, and each table or index, worst first."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from ... import fmt
from ...quoting import display_name
from ...snapshots import Cache, Frame, IndexCache, Overview
from .. import keys
from .pane import Pane, Sort, register_pane
from .table import Col


def _name(schema: str | None, name: str) -> str:
    """As SQL reads it, public left out: orders, audit.events, "Order Items"."""
    return display_name(schema, name, hide_schema="public")


def _ratio_style(r: float | None) -> str:
    if r is None:
        return "dim"
    return "bold red" if r < 0.9 else "yellow" if r < 0.99 else ""


def _pct(r: float | None) -> Text:
    return Text(fmt.pct(r), style=_ratio_style(r))


@register_pane
class CachePane(Pane):
    pane_id = "cache"
    REUSE_ROWS_S = 10.0   # the view is read every few seconds, not every refresh
    title = "Cache"
    short = "Cache"
    view = "cache"
    order = 30
    BINDINGS = keys.bindings("pane") + keys.bindings("cache")
    MODES = {
        "tables": [
            Col("t_name", "table", flex=True, min_flex=16),
            Col("t_heap", "heap", 7, right=True),
            Col("t_last", "last", 7, right=True),
            Col("t_idx", "index", 7, right=True),
            Col("t_toast", "toast", 7, right=True, min_table=120),
            Col("t_read", "read/s", 8, right=True),
            Col("t_hit", "hit/s", 9, right=True, min_table=100),
            Col("t_blks", "blks read", 11, right=True, min_table=110),
            Col("t_size", "size", 9, right=True),
        ],
        "indexes": [
            Col("i_name", "index", flex=True, min_flex=16),
            Col("i_table", "table", 18, min_table=100),
            Col("i_ratio", "hit", 7, right=True),
            Col("i_last", "last", 7, right=True),
            Col("i_read", "read/s", 8, right=True),
            Col("i_blks", "blks read", 11, right=True),
        ],
    }
    SORTS = {
        "t_name": Sort("table name", lambda c: _name(c.io.schemaname, c.io.relname), descending=False),
        "t_heap": Sort("heap hit ratio (worst first)", lambda c: c.heap_ratio, descending=False),
        "t_last": Sort("heap hit ratio, last interval", lambda c: c.heap_ratio_interval, descending=False),
        "t_idx": Sort("index hit ratio", lambda c: c.idx_ratio, descending=False),
        "t_toast": Sort("toast hit ratio", lambda c: c.toast_ratio, descending=False),
        "t_read": Sort("blocks read per second", lambda c: c.blks_read_per_s),
        "t_hit": Sort("blocks hit per second", lambda c: c.blks_hit_per_s),
        "t_blks": Sort("blocks read (total)", lambda c: c.io.heap_blks_read + c.io.idx_blks_read),
        "t_size": Sort("size", lambda c: c.io.size_bytes),
        "i_name": Sort("index name", lambda c: _name(c.io.schemaname, c.io.indexrelname), descending=False),
        "i_table": Sort("table name", lambda c: _name(None, c.io.relname), descending=False),
        "i_ratio": Sort("hit ratio (worst first)", lambda c: c.ratio, descending=False),
        "i_last": Sort("hit ratio, last interval", lambda c: c.ratio_interval, descending=False),
        "i_read": Sort("blocks read per second", lambda c: c.blks_read_per_s),
        "i_blks": Sort("blocks read (total)", lambda c: c.io.idx_blks_read),
    }
    FILTER_FIELDS = ("schema", "table", "index")

    def rows(self, view: Cache, frame: Frame) -> list[tuple[str, Any]]:
        if self.mode == "indexes":
            return [(str(c.io.indexrelid), c) for c in view.indexes]
        return [(str(c.io.relid), c) for c in view.tables]

    def cells(self, c: Any, frame: Frame) -> dict:
        if isinstance(c, IndexCache):
            i = c.io
            return {
                "i_name": Text(_name(i.schemaname, i.indexrelname)),
                "i_table": Text(_name(None, i.relname)),
                "i_ratio": _pct(c.ratio),
                "i_last": _pct(c.ratio_interval),
                "i_read": Text(fmt.num(c.blks_read_per_s)),
                "i_blks": Text(fmt.num(i.idx_blks_read)),
            }
        t = c.io
        return {
            "t_name": Text(_name(t.schemaname, t.relname)),
            "t_heap": _pct(c.heap_ratio),
            "t_last": _pct(c.heap_ratio_interval),
            "t_idx": _pct(c.idx_ratio),
            "t_toast": _pct(c.toast_ratio),
            "t_read": Text(fmt.num(c.blks_read_per_s), style="bold" if (c.blks_read_per_s or 0) > 0 else ""),
            "t_hit": Text(fmt.num(c.blks_hit_per_s)),
            "t_blks": Text(fmt.num(t.heap_blks_read + t.idx_blks_read)),
            "t_size": Text(fmt.bytes_(t.size_bytes)),
        }

    def fields(self, c: Any) -> dict[str, object]:
        io = c.io
        return {"schema": io.schemaname, "table": io.relname, "index": getattr(io, "indexrelname", None)}

    def status_line(self, view: Cache, frame: Frame) -> Text:
        t = Text()
        t.append("db heap ", style="dim")
        t.append(fmt.pct(view.heap_ratio), style=_ratio_style(view.heap_ratio) or "bold")
        t.append(f" (last {fmt.pct(view.heap_ratio_interval)})", style="dim")
        t.append(" idx ", style="dim")
        t.append(fmt.pct(view.idx_ratio), style=_ratio_style(view.idx_ratio) or "bold")
        t.append(f" · {fmt.num(view.blks_read_per_s)} read, {fmt.num(view.blks_hit_per_s)} hit blk/s")
        notes = self.extra_status()
        if notes:
            t.append(" · " + " · ".join(notes), style="dim")
        # one line at 80 columns: the server-wide ratio is the header's `hit` too, and t is in the footer
        optional = ["t: " + ("tables" if self.mode == "indexes" else "indexes")]
        ov = frame.overview
        if isinstance(ov, Overview):
            optional.insert(0, "server " + fmt.pct(ov.hit_ratio_interval if ov.hit_ratio_interval is not None
                                                   else ov.hit_ratio))
        return self.fit_status(t, optional)

    def detail(self, key: str | None):
        c = self._objects.get(key) if key else None
        if c is None:
            return None
        t = Text()
        io = c.io
        if isinstance(c, IndexCache):
            t.append(f"index {display_name(io.schemaname, io.indexrelname)} on {_name(None, io.relname)}\n",
                     style="bold")
            t.append(f"hit ratio {fmt.pct(c.ratio, 2)} overall, {fmt.pct(c.ratio_interval, 2)} last interval\n")
            t.append(f"blocks read {fmt.num(io.idx_blks_read)}, hit {fmt.num(io.idx_blks_hit)}; "
                     f"read/s {fmt.num(c.blks_read_per_s, 1)}")
            return t
        t.append(f"table {display_name(io.schemaname, io.relname)}  ({fmt.bytes_(io.size_bytes)})\n", style="bold")
        for label, hit, read, ratio in (("heap", io.heap_blks_hit, io.heap_blks_read, c.heap_ratio),
                                        ("indexes", io.idx_blks_hit, io.idx_blks_read, c.idx_ratio),
                                        ("toast", io.toast_blks_hit, io.toast_blks_read, c.toast_ratio)):
            t.append(f"{label:<8} hit {fmt.pct(ratio, 2):>8}   blocks hit {fmt.num(hit):>14}   "
                     f"read {fmt.num(read):>12}\n")
        t.append(f"last interval: heap hit {fmt.pct(c.heap_ratio_interval, 2)}, "
                 f"read {fmt.num(c.blks_read_per_s, 1)} blk/s, hit {fmt.num(c.blks_hit_per_s, 1)} blk/s")
        return Group(t, Text("Ratios count shared buffers only: a read may still come from the OS cache.",
                             style="dim"))

    def action_toggle_kind(self) -> None:
        self.set_mode("indexes" if self.mode == "tables" else "tables")
