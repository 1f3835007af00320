"""Connections (pg_stat_activity) and the blocking tree built on them."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from typing import Any, Sequence

import asyncpg

from .. import derive, locktree
from ..capabilities import Capabilities
from ..errors import scrub_sql
from ..snapshots import (Backend, Connections, HeldLock, Locks, LockWait, OverviewRow, StateCount,
                         from_records)
from .base import Collector, Context

QUERY_TEXT_LIMIT = 8192


class ConnectionsCollector(Collector):
    """Every session, or (idle_rows False: the console while it hides idle sessions) every
    session but the idle ones that block nobody. One read of pg_stat_activity a poll: the
    same query counts the client sessions by state and reads the overview's figures (on the
    console's own row), which the overview of the poll then takes instead of a statement of
    its own (a statement's fixed cost, cold every refresh, is most of a poll's on a server
    with a few hundred sessions). On a server
    with hundreds of pooled idle sessions those are most of the rows: they are counted in
    SQL, never sent."""

    name = "connections"

    def __init__(self, idle_rows: bool = True) -> None:
        super().__init__()
        self.idle_rows = idle_rows
        # what each waiting session waits for (pg_locks: type, mode, relation; a statement of
        # its own, only when someone waits): the console asks only while the Locks pane or
        # the findings are on screen; blockers always (in the connections query)
        self.lock_details = True

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Connections:
        rows = await conn.fetch(caps.sql("connections"), QUERY_TEXT_LIMIT, self.idle_rows, NO_PIDS)
        if not self.idle_rows:
            rows = await with_idle_blockers(conn, caps, rows)
        own = own_row(rows)
        counts = state_counts(own)
        if counts is not None:
            context["session_counts"] = counts   # the overview's, when it runs after this
            if own is not None and own["version"] is not None:
                context["overview_row"] = overview_row(own, counts)   # ...and its figures
        elif not self.idle_rows:   # no own row (not expected): ask apart
            counts = from_records(StateCount, await conn.fetch(caps.sql("connection_states")))
        limited = None
        if not caps.sees_all_sessions:
            limited = (f"other roles' queries and states are hidden: "
                       f"GRANT pg_read_all_stats TO {caps.current_user};")
        backends = [_scrubbed(b) for b in from_records(Backend, rows)]
        if self.lock_details:
            backends = await with_waits(conn, caps, backends)
        snap = derive.connections(backends, limited, None if self.idle_rows else counts)
        context["connections"] = snap
        return snap


NO_PIDS: list[int] = []


async def with_idle_blockers(conn: asyncpg.Connection, caps: Capabilities, rows: list[Any]) -> list[Any]:
    """The rows, and the idle sessions among the waiters' blockers (an advisory lock outlives
    its query): asked for by pid, only when some waiter's blocker is not among the rows."""
    shown = {r["pid"] for r in rows}
    # 0: a prepared transaction, which has no session
    missing = sorted({p for r in rows if r["blocked_by"] for p in r["blocked_by"] if p} - shown)
    if not missing:
        return rows
    more = [r for r in await conn.fetch(caps.sql("connections"), QUERY_TEXT_LIMIT, False, missing)
            if r["pid"] in missing]
    return sorted([*rows, *more], key=lambda r: r["pid"]) if more else rows


@dataclass(frozen=True)
class WaiterLock:
    """What one waiting session waits for (the waiter_locks query)."""
    pid: int
    lock_type: str | None
    lock_mode: str | None
    lock_relation: str | None
    lock_wait_s: float | None   # from pg_locks.waitstart (14+); None: keep the query's age


async def with_waits(conn: asyncpg.Connection, caps: Capabilities, backends: list[Backend]) -> list[Backend]:
    """The backends, each waiter with the lock it waits for (pg_locks: none read when none waits)."""
    pids = [b.pid for b in backends if b.blocked_by is not None]
    if not pids:
        return backends
    got = {w.pid: w for w in from_records(WaiterLock, await conn.fetch(caps.sql("waiter_locks"), pids))}
    out = []
    for b in backends:
        w = got.get(b.pid)
        if w is not None:
            b = replace(b, lock_type=w.lock_type, lock_mode=w.lock_mode, lock_relation=w.lock_relation,
                        lock_wait_s=b.lock_wait_s if w.lock_wait_s is None else w.lock_wait_s)
        out.append(b)
    return out


def own_row(rows: Sequence[Any]) -> Any:
    """The console's own row of the connections query: the one that carries the counts."""
    return next((r for r in rows if r["is_self"] and r["version"] is not None), None)


def state_counts(own: Any) -> tuple[StateCount, ...] | None:
    """The count of client sessions by state the connections query puts on the console's own row."""
    if own is None:
        return None
    counts = json.loads(own["client_state_counts"] or "{}")
    return tuple(StateCount(state=s, sessions=int(counts[s])) for s in sorted(counts))


def overview_row(own: Any, counts: tuple[StateCount, ...]) -> OverviewRow:
    """The overview's figures the connections query put on the own row: no statement of its own."""
    counted = count_fields(counts)
    return OverviewRow(**{f.name: own[f.name] for f in fields(OverviewRow) if f.name not in counted}, **counted)


def count_fields(counts: tuple[StateCount, ...]) -> dict[str, Any]:
    """OverviewRow's fields that come from the count of client sessions by state."""
    return {"connections_used": sum(c.sessions for c in counts),
            "client_states": [c.state for c in counts],
            "client_state_sessions": [c.sessions for c in counts]}


def _scrubbed(b: Backend) -> Backend:
    clean = scrub_sql(b.query)
    return b if clean == b.query else replace(b, query=clean)


class LocksCollector(Collector):
    """Runs after ConnectionsCollector in the same poll: the connections view has each
    waiting session's blockers and awaited lock, so the tree is built from its rows (the
    same snapshot as the session list, and no round trip of its own). Only when that view
    was not read in this poll does it run the locks query."""

    name = "locks"

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Locks:
        conns = context.get("connections")
        if isinstance(conns, Connections):
            waits = [LockWait(pid=b.pid, blocked_by=list(b.blocked_by or ()), locktype=b.lock_type,
                              mode=b.lock_mode, relation=b.lock_relation, wait_s=b.lock_wait_s)
                     for b in conns.backends if b.waiting_on_lock]
            tree = locktree.build(waits, conns.by_pid())
        else:
            waits = list(from_records(LockWait, await conn.fetch(caps.sql("locks"))))
            tree = locktree.build(waits, {})
        if not caps.sees_all_sessions:
            # a waiter is found by its wait event, which other roles' sessions do not show
            tree = replace(tree, limited=(f"other roles' sessions are hidden: a wait among them is not seen: "
                                          f"GRANT pg_read_all_stats TO {caps.current_user};"))
        return tree


async def locks_held(conn: asyncpg.Connection, caps: Capabilities, pid: int) -> list[HeldLock]:
    return list(from_records(HeldLock, await conn.fetch(caps.sql("locks_held"), pid)))
