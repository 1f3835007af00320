"""Connections: every session from pg_stat_activity, idle ones hidden by default."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ... import fmt
from ...snapshots import Backend, Connections, Frame, Locks
from .. import keys
from ..messages import IdleSessionsShown
from .backend import (
    backend_detail, confirm_signal, locks_request, quiet, query_line, row_style, state_label, wait_label,
)
from .pane import Pane, Sort, register_pane
from .table import Col

# background processes have no state; autovacuum workers are worth seeing anyway
ALWAYS_SHOWN_TYPES = ("autovacuum worker", "parallel worker", "walsender")


def shown_age(b: Backend) -> float | None:
    """The age column: how long the statement has run if active, else how long in this state."""
    return b.query_age_s if b.state == "active" else b.state_age_s


@register_pane
class ConnectionsPane(Pane):
    pane_id = "connections"
    title = "Connections"
    short = "Conns"
    view = "connections"
    order = 10
    BINDINGS = keys.bindings("pane") + keys.bindings("connections")
    COLUMNS = [
        Col("pid", "pid", 8),
        Col("db", "db", 9, max_table=99),
        Col("db", "db", 16, min_table=100),   # a demo's or an app's database name, whole
        Col("user", "user", 10, min_table=100),
        Col("app", "app", 12, min_table=140),
        Col("client", "client", 15, min_table=150),
        Col("state", "state", 7, min_table=100),
        Col("wait", "wait", 12, min_table=100),
        Col("sw", "state/wait", 12, max_table=99),  # narrow screens: the wait if any, else the state
        Col("xact", "xact", 6, right=True),
        Col("age", "age", 6, right=True),
        Col("query", "query text", flex=True),
    ]
    SORTS = {
        "pid": Sort("pid", lambda b: b.pid, descending=False),
        "db": Sort("database", lambda b: b.datname, descending=False),
        "user": Sort("user", lambda b: b.usename, descending=False),
        "app": Sort("application", lambda b: b.application_name, descending=False),
        "client": Sort("client", lambda b: b.client, descending=False),
        "state": Sort("state", lambda b: b.state, descending=False),
        "wait": Sort("wait event", lambda b: wait_label(b) or None, descending=False),
        "sw": Sort("wait event, then state", lambda b: wait_label(b) or b.state, descending=False),
        "xact": Sort("transaction age", lambda b: b.xact_age_s),
        "age": Sort("query age (active) / state age", lambda b: shown_age(b)),
        "query": Sort("query text", lambda b: b.query, descending=False),
    }
    DEFAULT_SORT = "xact"
    FILTER_FIELDS = ("pid", "db", "user", "app", "client", "state", "wait", "query", "type")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.show_idle = False
        self.only_waiting = False
        self.only_idle_xact = False
        self._own: frozenset[int] = frozenset()

    def rows(self, view: Connections, frame: Frame) -> list[tuple[str, Any]]:
        self._own = self.console.own_pids()
        out = []
        for b in view.backends:
            if b.state is None and b.backend_type not in ALWAYS_SHOWN_TYPES and not self.show_idle:
                continue
            if b.state == "idle" and not self.show_idle:
                continue
            if self.only_waiting and not b.waiting_on_lock:
                continue
            if self.only_idle_xact and not b.idle_in_transaction:
                continue
            out.append((str(b.pid), b))
        return out

    def cells(self, b: Backend, frame: Frame) -> dict:
        # (text, style) pairs: every row changes every second (its ages), no Text needed
        style = row_style(b)
        own = b.is_self or b.pid in self._own
        age = shown_age(b)
        wait = wait_label(b)
        state = state_label(b)
        wait_style = "bold red" if b.waiting_on_lock else style
        return {
            "pid": (f"{b.pid}{'*' if own else ''}", "dim" if own else style),
            "db": (b.datname or "", style),
            "user": (b.usename or "", style),
            "app": (b.application_name or "", style),
            "client": (b.client, style),
            "state": (state, style),
            "wait": (wait, wait_style),
            "sw": (wait or state, wait_style),
            "xact": (fmt.duration(b.xact_age_s) if b.xact_age_s is not None else "", style),
            "age": (fmt.duration(age) if age is not None else "", style),
            "query": (query_line(b.query), style or ("dim" if b.state == "idle" else "")),
        }

    def fields(self, b: Backend) -> dict[str, object]:
        return {"pid": b.pid, "db": b.datname, "user": b.usename, "app": b.application_name,
                "client": b.client, "state": b.state, "wait": wait_label(b), "query": b.query,
                "type": b.backend_type}

    def status_line(self, view: Connections, frame: Frame) -> Text:
        c = view.counts_by_state
        waiting = sum(1 for b in view.backends if b.waiting_on_lock)
        t = Text()
        t.append(f"{sum(c.values()):,} sessions: ", style="bold")
        t.append(f"{c.get('active', 0):,} active, {c.get('idle', 0):,} idle, ")
        iit = sum(v for k, v in c.items() if k.startswith("idle in transaction"))
        t.append(f"{iit:,} idle in xact", style="yellow" if iit else "")
        t.append(", ")
        t.append(f"{waiting:,} waiting", style="bold red" if waiting else "")
        notes = []
        if not self.show_idle:
            notes.append("idle hidden (i)")
        elif not view.all_sessions:
            notes.append("reading idle sessions…")
        if self.only_waiting:
            notes.append("only waiting (w)")
        if self.only_idle_xact:
            notes.append("only idle in xact (x)")
        notes += self.extra_status()
        if notes:
            t.append(" · " + " · ".join(notes), style="dim")
        if view.limited:
            t.append("\n" + view.limited, style="yellow")
        return t

    def badge(self, frame: Frame) -> tuple[str, str] | None:
        # sessions idle in transaction for a minute or more (a busy server has many for a
        # few milliseconds between statements: counting those made the badge flicker)
        v = frame.connections
        if isinstance(v, Connections):
            long = sum(1 for _, age in v.idle_in_transaction if age >= 60)
            if long:
                return (f"{long}", "yellow")
        return None

    def detail(self, key: str | None):
        b = self._objects.get(key) if key else None
        if b is None:
            return None
        held = self.extras.get(("locks", key))
        return backend_detail(b, self.frame, held, self.console.own_pids())

    def extra_request(self, key: str):
        b = self._objects.get(key)
        if b is None or b.backend_type not in (None, "client backend") or b.xact_age_s is None:
            return None
        return ("locks", locks_request(b.pid))

    def extra_quiet(self, kind: str, key: str) -> Any:
        return quiet(self._objects.get(key), self.frame) if kind == "locks" else None

    # -- keys ------------------------------------------------------------------------
    def action_toggle_idle(self) -> None:
        self.show_idle = not self.show_idle
        self.post_message(IdleSessionsShown(self.show_idle))
        self.redraw()

    def action_only_waiting(self) -> None:
        self.only_waiting = not self.only_waiting
        if self.only_waiting:
            self.only_idle_xact = False
        self.redraw()

    def action_only_idle_xact(self) -> None:
        self.only_idle_xact = not self.only_idle_xact
        if self.only_idle_xact:
            self.only_waiting = False
        self.redraw()

    def action_cancel(self) -> None:
        self._signal(terminate=False)

    def action_terminate(self) -> None:
        self._signal(terminate=True)

    def _signal(self, terminate: bool) -> None:
        b = self.selected
        if b is None:
            self.notify("select a session first", severity="warning")
            return
        confirm_signal(self, b, b.pid, terminate)

    def action_to_blocker(self) -> None:
        b = self.selected
        locks = self.frame.locks if self.frame else None
        node = locks.node(b.pid) if b is not None and isinstance(locks, Locks) else None
        if node is None or not node.blocked_by:
            self.notify("this session is not waiting on another session", severity="information")
            return
        blocker = node.blocked_by[0]
        if not self.table.select_key(str(blocker)):
            self.notify(f"blocker {blocker} is not shown here (filtered out?): see the Locks pane")
