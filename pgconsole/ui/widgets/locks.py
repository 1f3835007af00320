"""Locks: the blocking tree, root blockers first, each waiter under its blocker."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ... import fmt
from ...snapshots import Frame, LockNode, Locks
from .. import keys
from .backend import (MODE_SHORT, backend_detail, confirm_signal, locks_request, query_line, quiet,
                      state_label)
from .pane import Pane, register_pane
from .table import Col


@register_pane
class LocksPane(Pane):
    pane_id = "locks"
    title = "Locks"
    short = "Locks"
    view = "locks"
    order = 20
    BINDINGS = keys.bindings("pane") + keys.bindings("locks")
    COLUMNS = [
        Col("pid", "pid", 12),
        Col("mode", "wants", 9),
        Col("rel", "on", 14),
        Col("wait", "waited", 7, right=True),
        Col("blocks", "blocks", 6, right=True),
        Col("state", "state", 7, min_table=100),
        Col("user", "user", 10, min_table=120),
        Col("xact", "xact", 6, right=True, min_table=110),
        Col("query", "query text", flex=True),
    ]
    SORTS = {}  # the tree's order is the point
    FILTER_FIELDS = ("pid", "user", "db", "relation", "mode", "query")

    def rows(self, view: Locks, frame: Frame) -> list[tuple[str, Any]]:
        seen: set[int] = set()
        out = []
        for n in view.nodes:
            if n.pid in seen:
                continue
            seen.add(n.pid)
            out.append((str(n.pid), n))
        return out

    def cells(self, n: LockNode, frame: Frame) -> dict:
        b = n.backend
        root = n.depth == 0
        style = "bold red" if root else ""
        branch = "`-" if self.console.ascii else "└"
        label = ("  " * (n.depth - 1) + branch + " " if n.depth else "") + (str(n.pid) if n.pid else "prepared")
        rel = n.relation or ({"transactionid": "a row (xid)", "tuple": "a row"}.get(n.locktype or "", n.locktype)
                             if n.locktype else "")
        return {
            "pid": Text(label, style=style),
            "mode": Text(MODE_SHORT.get(n.mode or "", n.mode or "") if n.mode else ("holds" if root else "")),
            "rel": Text(rel or ""),
            "wait": Text(fmt.duration(n.wait_s) if n.wait_s is not None else "", style="red" if n.wait_s else ""),
            "blocks": Text(str(n.total_blocked) if n.total_blocked else "", style="bold red" if root else ""),
            "state": Text(state_label(b) if b else ("prepared" if n.pid == 0 else "?")),
            "user": Text(b.usename or "" if b else ""),
            "xact": Text(fmt.duration(b.xact_age_s) if b and b.xact_age_s is not None else ""),
            "query": Text(query_line(b.query) if b else "", style="dim" if b and b.state == "idle" else ""),
        }

    def fields(self, n: LockNode) -> dict[str, object]:
        b = n.backend
        return {"pid": n.pid, "user": b.usename if b else None, "db": b.datname if b else None,
                "relation": n.relation, "mode": n.mode, "query": b.query if b else None}

    def status_line(self, view: Locks, frame: Frame) -> Text:
        t = Text()
        if not view.nodes:
            if view.limited:   # blind to other roles' waits: not a clean bill of health
                t.append("no waiting session among those this role can see", style="yellow")
            else:
                t.append("no session is waiting on a lock", style="green")
        else:
            longest = max((n.wait_s or 0.0 for n in view.nodes), default=0.0)
            t.append(f"{view.waiting_count} waiting", style="bold red")
            t.append(f" behind {len(view.roots)} root blocker{'s' if len(view.roots) != 1 else ''}"
                     f" · longest wait {fmt.duration(longest)}")
        notes = self.extra_status()
        if notes:
            t.append(" · " + " · ".join(notes), style="dim")
        if view.limited:
            t.append("\n" + view.limited, style="yellow")
        return t

    def badge(self, frame: Frame) -> tuple[str, str] | None:
        v = frame.locks
        if isinstance(v, Locks) and v.waiting_count:
            return (str(v.waiting_count), "bold red")
        return None

    def detail(self, key: str | None):
        n = self._objects.get(key) if key else None
        if n is None:
            return None
        head = Text()
        if n.depth == 0:
            head.append(f"root blocker: {n.total_blocked} session(s) wait behind it", style="bold red")
        else:
            head.append(f"waits {fmt.duration(n.wait_s)} for {n.mode or '?'} on {n.relation or n.locktype or '?'}"
                        f", blocked by {', '.join(map(str, n.blocked_by))}", style="bold")
        if n.waiters:
            head.append(f"\ndirectly blocks: {', '.join(map(str, n.waiters))}")
        if n.backend is None:
            head.append("\nno backend: a prepared transaction (COMMIT PREPARED / ROLLBACK PREPARED)"
                        if n.pid == 0 else "\nthe session has no row in pg_stat_activity (ended?)", style="dim")
            return head
        from rich.console import Group
        return Group(head, backend_detail(n.backend, self.frame, self.extras.get(("locks", key)),
                                          self.console.own_pids()))

    def extra_request(self, key: str):
        n = self._objects.get(key)
        if n is None or not n.pid:
            return None
        return ("locks", locks_request(n.pid))

    def extra_quiet(self, kind: str, key: str) -> Any:
        n = self._objects.get(key)
        return quiet(n.backend, self.frame) if kind == "locks" and n is not None else None

    # -- keys ------------------------------------------------------------------------
    def _parent_key(self, key: str) -> str | None:
        order = list(self._objects)
        if key not in order:
            return None
        i = order.index(key)
        depth = self._objects[key].depth
        for k in reversed(order[:i]):
            if self._objects[k].depth == depth - 1:
                return k
        return None

    def action_to_blocker(self) -> None:
        key = self.selected_key
        n = self._objects.get(key) if key else None
        if n is None or n.depth == 0:
            self.notify("this session is a root blocker: it waits on nobody", severity="information")
            return
        parent = self._parent_key(key)
        if parent is not None:
            self.table.select_key(parent)

    def action_to_root(self) -> None:
        key = self.selected_key
        while key is not None:
            parent = self._parent_key(key)
            if parent is None:
                break
            key = parent
        if key is not None:
            self.table.select_key(key)

    def action_cancel(self) -> None:
        self._signal(terminate=False)

    def action_terminate(self) -> None:
        self._signal(terminate=True)

    def _signal(self, terminate: bool) -> None:
        n = self.selected
        if n is None:
            self.notify("no session selected: nothing is waiting", severity="warning")
            return
        confirm_signal(self, n.backend, n.pid, terminate)
