"""Replication & WAL (pane 7): standbys, slots and subscribers (or, on a standby, its WAL
receiver and replay), the xmin horizon and who holds it, autovacuum now and next, WAL with
checkpoints and the archiver, and pg_stat_io. `t` cycles through the five.

While the pane is hidden its views refresh every minute (I/O and autovacuum every five:
the Findings badge reads them); shown, at their own pace. All server text goes through `srv()`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from ... import fmt
from ...replication_derive import dead_rows_waiting, dead_tables
from ...replication_snapshots import (
    VIEWS, Autovacuum, AutovacuumNext, AutovacuumWorker, Horizon, HorizonHolder, Io, Replication, Slot, Standby,
    Wal,
)
from ...snapshots import Frame, Unavailable
from .. import keys
from ..messages import ConfirmAction
from . import replication_detail as detail
from .pane import Pane, Sort, register_pane
from .replication_rows import (
    autovacuum_cells, autovacuum_rows, horizon_cells, horizon_rows, io_cells, io_rows, link_cells, link_rows,
    srv, wal_cells, wal_rows,
)
from .table import Col

# mode -> (the view it shows, its title)
MODE_VIEWS = {"links": ("replication", "replication"), "horizon": ("horizon", "xmin horizon"),
              "autovacuum": ("autovacuum", "autovacuum"), "wal": ("wal", "WAL & checkpoints"),
              "io": ("io", "I/O")}


@register_pane
class ReplicationPane(Pane):
    pane_id = "replication"
    title = "Replication & WAL"
    short = "Repl"
    view = "replication"
    order = 70
    BINDINGS = keys.bindings("pane") + keys.bindings("replication")
    MODES = {
        "links": [
            Col("what", "what", 8), Col("name", "name", flex=True, min_flex=14), Col("state", "state", 10),
            Col("behind", "behind", 9, right=True), Col("lag", "lag", 9, right=True),
            Col("xmin", "xmin age", 9, right=True, min_table=100), Col("note", "", 28, min_table=110),
        ],
        "horizon": [
            Col("kind", "holder", 8), Col("holder", "name", 16), Col("xmin", "xmin age", 10, right=True),
            Col("held", "held", 8, right=True), Col("state", "state", 12, min_table=90),
            Col("db", "db", 12, min_table=110), Col("detail", "query / detail", flex=True, min_flex=10),
        ],
        "autovacuum": [
            Col("what", "", 6), Col("table", "table", flex=True, min_flex=14),
            Col("dead", "dead", 9, right=True), Col("thresh", "threshold", 9, right=True),
            Col("ins", "inserted", 9, right=True, min_table=100),
            Col("ins_thresh", "ins.thresh", 10, right=True, min_table=100),
            Col("due", "due / phase", 14), Col("for", "for", 7, right=True),
            Col("last", "vacuumed", 8, right=True, min_table=90),
        ],
        "wal": [
            Col("figure", "figure", 30), Col("value", "value", flex=True, min_flex=16),
            Col("interval", "interval", 16, right=True), Col("note", "", 40, min_table=120),
        ],
        "io": [
            Col("backend", "backend", flex=True, min_flex=12), Col("object", "object", 9, min_table=90),
            Col("context", "context", 9), Col("reads", "reads", 8, right=True),
            Col("writes", "writes", 8, right=True), Col("extends", "extends", 8, right=True, min_table=100),
            Col("hits", "hits", 9, right=True), Col("evictions", "evict", 7, right=True, min_table=110),
            Col("fsyncs", "fsyncs", 7, right=True, min_table=120),
            Col("read_ms", "read ms", 8, right=True, min_table=130),
            Col("write_ms", "write ms", 8, right=True, min_table=140),
        ],
    }
    SORTS = {
        "behind": Sort("WAL behind / kept", lambda o: getattr(o, "replay_lag_bytes", None)
                       or getattr(o, "retained_bytes", None)),
        "xmin": Sort("xmin age", lambda o: getattr(o, "xmin_age", None)),
        "held": Sort("held for", lambda o: getattr(o, "held_s", None)),
        "dead": Sort("dead rows", lambda o: o.table.n_dead_tup if isinstance(o, AutovacuumNext) else None),
        "for": Sort("due for", lambda o: o.over_s if isinstance(o, AutovacuumNext) else getattr(o, "running_s", None)),
        "reads": Sort("reads", lambda s: s.reads_per_s if s.reads_per_s is not None else s.row.reads),
        "writes": Sort("writes", lambda s: s.writes_per_s if s.writes_per_s is not None else s.row.writes),
        "hits": Sort("hits", lambda s: s.hits_per_s if s.hits_per_s is not None else s.row.hits),
    }
    FILTER_FIELDS = ("name", "kind", "db")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.io_totals = False   # I/O: per second over the interval (default) or since the reset

    # -- views and modes ---------------------------------------------------------------
    def shown_views(self) -> frozenset[str] | None:
        return frozenset(VIEWS)   # the status line sums up all of them

    def set_mode(self, mode: str) -> None:
        self.view = MODE_VIEWS[mode][0]
        super().set_mode(mode)

    def _cycle(self, step: int) -> None:
        modes = list(self.MODES)
        self.set_mode(modes[(modes.index(self.mode) + step) % len(modes)])
        self.console.update_detail()

    def action_next_view(self) -> None:
        self._cycle(1)

    def action_prev_view(self) -> None:
        self._cycle(-1)

    def action_toggle_interval(self) -> None:
        self.io_totals = not self.io_totals
        self.redraw()

    # -- rows ------------------------------------------------------------------------
    def rows(self, view: Any, frame: Frame) -> list[tuple[str, Any]]:
        if isinstance(view, Replication):
            return link_rows(view)
        if isinstance(view, Horizon):
            return horizon_rows(view)
        if isinstance(view, Autovacuum):
            return autovacuum_rows(view)
        if isinstance(view, Wal):
            return list(wal_rows(view))
        if isinstance(view, Io):
            return io_rows(view)
        return []

    def cells(self, obj: Any, frame: Frame) -> dict:
        mode = self.mode
        if mode == "links":
            return link_cells(obj)
        if mode == "horizon":
            h = frame.horizon
            return horizon_cells(obj, isinstance(h, Horizon) and obj in h.affecting())
        if mode == "autovacuum":
            return autovacuum_cells(obj)
        if mode == "wal":
            return wal_cells(obj)
        return io_cells(obj, not self.io_totals)

    def fields(self, obj: Any) -> dict[str, object]:
        if isinstance(obj, HorizonHolder):
            return {"name": obj.holder, "kind": obj.kind, "db": obj.database}
        if isinstance(obj, AutovacuumNext):
            return {"name": f"{obj.table.schemaname}.{obj.table.relname}", "kind": obj.table.due or "", "db": ""}
        if isinstance(obj, (Standby, Slot)):
            return {"name": getattr(obj, "application_name", None) or getattr(obj, "slot_name", ""),
                    "kind": type(obj).__name__.lower(), "db": getattr(obj, "database", None)}
        if isinstance(obj, tuple) and obj and isinstance(obj[0], str):
            return {"name": obj[0], "kind": "", "db": ""}
        return {"name": str(getattr(getattr(obj, "row", None), "backend_type", "")), "kind": "", "db": ""}

    # -- status line, badge -------------------------------------------------------------
    def status_line(self, view: Any, frame: Frame) -> Text:
        t = detail.role_summary(frame)
        t.append(" · ")
        t.append_text(detail.mode_summary(self.mode, view, frame, self.io_totals))
        nxt = list(self.MODES)[(list(self.MODES).index(self.mode) + 1) % len(self.MODES)]
        notes = [f"t: {MODE_VIEWS[nxt][1]}"] + self.extra_status()
        t.append(" · " + " · ".join(notes), style="dim")
        return t

    def redraw(self) -> None:
        frame = self.frame
        view = self.view_of(frame) if frame is not None else None
        if frame is not None and isinstance(view, Unavailable):
            # this view is missing (pg_stat_io before 16): say why, and keep the role line
            self.drawn_seq = frame.seq
            self._message(f"{MODE_VIEWS[self.mode][1]}: {view.line()}   (t: next view)")
            self._status(self.status_line(view, frame))
            return
        super().redraw()

    def badge(self, frame: Frame) -> tuple[str, str] | None:
        r = frame.replication
        if not isinstance(r, Replication):
            return None
        if r.not_streaming_s is not None:   # a standby meant to stream that does not
            return ("!", "bold red")
        idle = sum(1 for s in r.slots if not s.active and not s.temporary)
        return (str(idle), "yellow") if idle else None

    # -- detail and actions -------------------------------------------------------------
    def detail(self, key: str | None):
        obj = self._objects.get(key) if key else None
        if obj is None or self.frame is None:
            return None
        body = detail.describe(obj, self.frame)
        if isinstance(obj, HorizonHolder) and obj in self._affecting():
            h = self.frame.horizon
            waiting = dead_rows_waiting(Horizon((obj,), h.database),
                                        dead_tables(self.frame.bloat, self._av(), self.frame.sampled_at))
            if waiting:
                body = Group(body, Text(f"while it holds, vacuum cannot remove rows that died since: {h.database}'s "
                                        f"tables hold {waiting['dead_rows']:,} dead rows"
                                        + (f", {waiting['dead_rows_left_by_vacuum']:,} of them in tables vacuum went "
                                           "through since it began (left behind)"
                                           if waiting['dead_rows_left_by_vacuum'] else ""), style="yellow"))
        return body

    def _av(self) -> Autovacuum | None:
        av = self.frame.autovacuum if self.frame is not None else None
        return av if isinstance(av, Autovacuum) else None

    def _affecting(self) -> tuple[HorizonHolder, ...]:
        h = self.frame.horizon if self.frame is not None else None
        return h.affecting() if isinstance(h, Horizon) else ()

    def _session_holder(self) -> HorizonHolder | None:
        obj = self.selected
        if isinstance(obj, HorizonHolder) and obj.kind == "session" and obj.pid:
            return obj
        if isinstance(obj, AutovacuumWorker):
            self.notify("autovacuum workers end by themselves (and start again): not signalled here",
                        severity="warning")
            return None
        self.notify("select a session holding the horizon (t: xmin horizon)", severity="warning")
        return None

    def _signal(self, terminate: bool) -> None:
        h = self._session_holder()
        if h is None:
            return
        from .backend import confirm_signal
        conns = self.frame.connections if self.frame is not None else None
        backend = conns.by_pid().get(h.pid) if hasattr(conns, "by_pid") else None
        confirm_signal(self, backend, h.pid, terminate)

    def action_cancel(self) -> None:
        self._signal(False)

    def action_terminate(self) -> None:
        self._signal(True)

    def action_end_holder(self) -> None:
        from ...replication_actions import drop_slot, rollback_prepared
        obj = self.selected
        body = Text()
        if isinstance(obj, HorizonHolder) and obj.kind == "prepared":
            gid, database = obj.holder, obj.database
            body.append("Roll back prepared transaction ", style="bold")
            body.append_text(srv(repr(gid), style="bold"))
            body.append_text(Text("?\n\n") + Text("in database ") + srv(database) +
                             Text(f", prepared {fmt.duration(obj.held_s)} ago by ") + srv(obj.user_name))
            body.append("\n\nROLLBACK PREPARED undoes its changes and releases its locks and the horizon.",
                        style="italic")
            self.post_message(ConfirmAction("Roll back prepared transaction", body,
                                            lambda actions: rollback_prepared(actions, gid, database), danger=True,
                                            refresh=("horizon",)))
            return
        slot = obj if isinstance(obj, Slot) else None
        if isinstance(obj, HorizonHolder) and obj.kind == "slot":
            repl = self.frame.replication if self.frame is not None else None
            slot = next((s for s in getattr(repl, "slots", ()) if s.slot_name == obj.holder), None)
        if slot is None:
            self.notify("select a prepared transaction or a replication slot", severity="warning")
            return
        if slot.active:
            self.notify("that slot is in use: stop its consumer first", severity="warning")
            return
        name, database = slot.slot_name, slot.database
        body.append("Drop replication slot ", style="bold")
        body.append_text(srv(name, style="bold"))
        body.append(f"?\n\nIt keeps {fmt.bytes_(slot.retained_bytes)} of WAL. Whatever reads it (a standby, a "
                    "subscription) cannot resume from it afterwards.", style="")
        self.post_message(ConfirmAction("Drop replication slot", body,
                                        lambda actions: drop_slot(actions, name, database),
                                        danger=True, refresh=("replication", "horizon")))

    def show_finding(self, f) -> None:
        """From the Findings pane (`g`): the view and the row its finding is about."""
        mode, key = detail.finding_row(f)
        if mode != self.mode:
            self.set_mode(mode)
        if key is None or not self.table.select_key(key):
            if key is not None:
                self.notify(f"{f.object} is not among the rows shown here", severity="information", timeout=4)
