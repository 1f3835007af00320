"""What the Connections and Locks panes share about one backend: short labels, the
detail text (query, waits, locks held, its pg_stat_statements figures by query_id)
and the cancel / terminate actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text

from ... import fmt
from ...snapshots import Backend, Frame, HeldLock, Locks, Overview, Statement, Statements
from ...untrusted import one_line
from ..messages import ConfirmAction
from .detail import query_parts
from .lines import Flow

if TYPE_CHECKING:
    from ...source import DataSource
    from .pane import Pane
    from ..messages import Read

STATE_SHORT = {
    "active": "active",
    "idle": "idle",
    "idle in transaction": "idle-x",
    "idle in transaction (aborted)": "idle-x!",
    "fastpath function call": "fastpath",
    "disabled": "disabled",
}
MODE_SHORT = {
    "AccessShareLock": "AccShare", "RowShareLock": "RowShare", "RowExclusiveLock": "RowExcl",
    "ShareUpdateExclusiveLock": "ShUpdExcl", "ShareLock": "Share", "ShareRowExclusiveLock": "ShRowExcl",
    "ExclusiveLock": "Excl", "AccessExclusiveLock": "AccExcl",
}


def state_label(b: Backend) -> str:
    if b.state is None:
        return (b.backend_type or "")[:8]
    return STATE_SHORT.get(b.state, b.state[:8])


def wait_label(b: Backend) -> str:
    if not b.wait_event_type:
        return ""
    # an idle session "waits" for its client: noise, not a wait
    if (b.state or "").startswith("idle") and b.wait_event_type == "Client":
        return ""
    return f"{b.wait_event_type}:{b.wait_event}" if b.wait_event else b.wait_event_type


def query_line(text: str | None) -> str:
    """The statement for a one-line cell: leading `--` comment lines dropped (the detail keeps them)."""
    if not text:
        return ""
    lines = text.lstrip().splitlines()
    i = 0
    while i < len(lines) - 1 and lines[i].lstrip().startswith("--"):
        i += 1
    return " ".join(" ".join(lines[i:]).split())


def row_style(b: Backend) -> str:
    if b.waiting_on_lock:
        return "bold red"
    if b.idle_in_transaction:
        return "yellow"
    if b.state == "active":
        return "bold"
    return ""


def statements_for(b: Backend, frame: Frame | None) -> list[Statement]:
    """pg_stat_statements entries of this backend's statement (14+: query_id)."""
    st = frame.statements if frame else None
    if b.query_id is None or not isinstance(st, Statements):
        return []
    found = [s for s in st.statements if s.row.queryid == b.query_id]
    mine = [s for s in found if s.row.usename == b.usename and s.row.datname == b.datname]
    return mine or found


def _kv(t: Text, label: str, value: str, style: str = "bold") -> None:
    plain = t.plain
    if plain and not plain.endswith((" ", "\n")):
        t.append("  ")
    t.append(f"{label} ", style="dim")
    t.append(value, style=style)


class _Memo:
    """The last part built from the same inputs, handed out again: the detail of the
    selected row is rebuilt every refresh for the line of ages that ticks, while who it is,
    its query, its statement's figures and its locks stay as they were. Inputs are
    compared by value, and snapshot objects by identity (the memo holds them, so an id
    is never reused for another)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[tuple, Any]] = {}

    def get(self, name: str, key: tuple, build):
        hit = self._last.get(name)
        if hit is not None and len(hit[0]) == len(key) and all(
                a is b or (type(a) is type(b) and isinstance(a, (str, int, float, bool, type(None)))
                           and a == b) for a, b in zip(hit[0], key)):
            return hit[1]
        value = build()
        self._last[name] = (key, value)
        return value


_memo = _Memo()


def backend_detail(b: Backend, frame: Frame | None, held: Any, own_pids: frozenset[int]) -> RenderableType:
    # one Text a line: the panel repaints (and re-renders) only the lines that changed,
    # on most refreshes the one with the ages; the parts that did not change are not rebuilt
    me = b.is_self or b.pid in own_pids
    who = _memo.get("who", (b.pid, me, b.usename, b.datname, b.application_name, b.client, b.backend_type),
                    lambda: _who(b, me))
    # one line at 80 columns in the common case (the state's own age right after it, unlabelled);
    # a longer one wraps between items, never inside one (Flow)
    ages = Flow()
    ages.append(b.state or "-", style=row_style(b) or "bold")
    ages.append(f" {fmt.duration(b.state_age_s)}", style="bold")
    _kv(ages, "xact", fmt.duration(b.xact_age_s))
    _kv(ages, "query", fmt.duration(b.query_age_s))
    _kv(ages, "conn", fmt.duration(b.backend_age_s))   # connected for
    if b.xmin_age is not None:
        _kv(ages, "xmin age", fmt.num(b.xmin_age))
    parts: list[RenderableType] = [who, ages]
    wait = wait_label(b)
    if wait:
        waits = Flow()
        _kv(waits, "waiting on", wait, "bold red" if b.waiting_on_lock else "bold")
        node = frame.locks.node(b.pid) if frame and isinstance(frame.locks, Locks) else None
        if node is not None:
            if node.blocked_by:
                _kv(waits, "blocked by", ", ".join(str(p) for p in node.blocked_by), "bold red")
            if node.mode:
                _kv(waits, "wants", f"{node.mode} on {node.relation or node.locktype}")
            _kv(waits, "for", fmt.duration(node.wait_s))
        parts.append(waits)
    parts.extend(_memo.get("query", (b.query, b.leader_pid, b.pid), lambda: _query_lines(b)))
    statements = frame.statements if frame else None
    parts.extend(_memo.get("pgss", (b.query_id, b.usename, b.datname, statements),
                           lambda: _pgss_lines(b, frame)))
    parts.extend(_memo.get("held", (held,), lambda: _held_lines(held)))
    return Group(*parts)


def _who(b: Backend, me: bool) -> Text:
    who = Flow()
    _kv(who, "pid", f"{b.pid}{'  (this console)' if me else ''}")
    _kv(who, "user", b.usename or "-")
    _kv(who, "db", b.datname or "-")
    _kv(who, "app", b.application_name or "-")
    _kv(who, "client", b.client or "-")
    if b.backend_type and b.backend_type != "client backend":
        _kv(who, "type", b.backend_type)
    return who


def _query_lines(b: Backend) -> list[RenderableType]:
    parts: list[RenderableType] = []
    if b.leader_pid and b.leader_pid != b.pid:
        parts.append(Text(f"parallel worker of {b.leader_pid}", style="dim"))
    parts.extend(query_parts("query", b.query, "(no query text: none yet, or hidden from this role)"))
    return parts


def _pgss_lines(b: Backend, frame: Frame | None) -> list[RenderableType]:
    if b.query_id is None:
        return []
    found = statements_for(b, frame)
    t = Text()
    t.append(f"pg_stat_statements (query_id {b.query_id})", style="dim underline")
    if not found:
        t.append("\n  no entry yet (selecting a session reads pg_stat_statements again, at most "
                 "every 15 s; while its pane is hidden it is read once a minute)", style="dim")
        return [t]
    for s in found[:3]:
        r = s.row
        t.append("\n  ")
        _kv(t, "calls", fmt.num(r.calls))
        _kv(t, "mean", fmt.ms(r.mean_exec_ms))
        _kv(t, "max", fmt.ms(r.max_exec_ms))
        _kv(t, "total", fmt.ms(r.total_exec_ms))
        _kv(t, "rows", fmt.num(r.rows))
        _kv(t, "hit", fmt.pct(s.hit_ratio))
        if s.d_calls:
            _kv(t, "last interval", f"{fmt.num(s.d_calls)} calls, {fmt.ms(s.d_mean_ms)} mean")
    return [t]


def _held_lines(held: Any) -> list[RenderableType]:
    if held is None:
        return []
    t = Text("locks", style="dim underline")
    if isinstance(held, str):
        t.append(f"\n  {held}", style="yellow")
        return [t]
    locks: list[HeldLock] = held
    if not locks:
        t.append("\n  none", style="dim")
        return [t]
    for lk in locks[:12]:
        t.append("\n  ")
        t.append("held " if lk.granted else "WAITS ", style="dim" if lk.granted else "bold red")
        t.append(f"{lk.mode} ", style="bold")
        t.append(f"{lk.locktype}" + (f" {lk.relation}" if lk.relation else ""))
        if lk.wait_s is not None:
            t.append(f" for {fmt.duration(lk.wait_s)}", style="red")
    if len(locks) > 12:
        t.append(f"\n  … {len(locks) - 12} more", style="dim")
    return [t]


# a session that runs nothing holds the locks it held: the detail panel's list (a pg_locks
# read, which walks every backend slot of the server) is read again only once it ran something
QUIET_STATES = frozenset({"idle", "idle in transaction", "idle in transaction (aborted)"})
QUIET_TOLERANCE_S = 0.25   # clock jitter between two polls' ages; a younger state is not trusted


@dataclass(frozen=True)
class Quiet:
    """When a session that runs nothing entered its state and its transaction (epoch
    seconds, server clock, from the poll's ages)."""
    state: str
    state_since: float
    xact_since: float | None

    def same(self, other: "Quiet | None") -> bool:
        """Nothing ran in between: a statement would have moved the state's start (by at
        least the state's age when first seen, which is over the tolerance)."""
        if other is None or other.state != self.state or abs(other.state_since - self.state_since) > QUIET_TOLERANCE_S:
            return False
        if self.xact_since is None or other.xact_since is None:
            return self.xact_since is other.xact_since
        return abs(other.xact_since - self.xact_since) <= QUIET_TOLERANCE_S


def quiet(b: Backend | None, frame: Frame | None) -> Quiet | None:
    """The session's Quiet, or None while it runs (its locks move) or entered its state too
    recently to tell a later statement from clock jitter."""
    if (b is None or frame is None or b.state not in QUIET_STATES or b.state_age_s is None
            or b.state_age_s < 2 * QUIET_TOLERANCE_S):
        return None
    ov = frame.overview
    # the server's clock of the same statement (the ages are measured on it), else ours
    now = ov.row.sampled_at if isinstance(ov, Overview) else frame.sampled_at
    t = now.timestamp()
    return Quiet(b.state, t - b.state_age_s, None if b.xact_age_s is None else t - b.xact_age_s)


def locks_request(pid: int) -> "Read":
    """The locks a session holds, as the data source knows them (a recording: what it waited for)."""
    async def read(source: "DataSource") -> object:
        return await source.locks_held(pid)
    return read


def confirm_signal(pane: "Pane", b: Backend | None, pid: int, terminate: bool) -> None:
    """Cancel or terminate a backend after a confirmation that names it."""
    what = "Terminate" if terminate else "Cancel the query of"
    body = Text()
    body.append(f"{what} backend {pid}?\n\n", style="bold")
    if b is not None:
        body.append(f"user {one_line(b.usename or '-')}  db {one_line(b.datname or '-')}  "
                    f"app {one_line(b.application_name or '-')}\n")
        body.append(f"state {b.state or '-'}  xact {fmt.duration(b.xact_age_s)}  "
                    f"query {fmt.duration(b.query_age_s)}\n\n")
        body.append(fmt.one_line(b.query, 300) or "(no query text)", style="dim")
    body.append("\n\n")
    body.append("pg_terminate_backend ends the session and rolls back its transaction."
                if terminate else "pg_cancel_backend cancels the running statement; the session stays.",
                style="italic")

    async def run(actions):
        own = pane.console.own_pids()
        return await (actions.terminate(pid, own) if terminate else actions.cancel(pid, own))

    pane.post_message(ConfirmAction("Terminate backend" if terminate else "Cancel query", body, run,
                                    danger=terminate))
