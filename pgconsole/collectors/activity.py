"""Connections (pg_stat_activity) and the blocking tree built on them."""

from __future__ import annotations

from dataclasses import replace

import asyncpg

from .. import derive, locktree
from ..capabilities import Capabilities
from ..errors import scrub_sql
from ..snapshots import Backend, Connections, HeldLock, Locks, LockWait, StateCount, from_records
from .base import Collector, Context

QUERY_TEXT_LIMIT = 8192


class ConnectionsCollector(Collector):
    """Every session, or (idle_rows False: the console while it hides idle sessions) every
    session but the idle ones that block nobody, with the count by state read apart (by
    the overview query of the same poll when it ran: one round trip less). On a
    server with hundreds of pooled idle connections those are most of the rows, and
    decoding them each refresh was most of the cost of a poll."""

    name = "connections"

    def __init__(self, idle_rows: bool = True) -> None:
        super().__init__()
        self.idle_rows = idle_rows

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Connections:
        rows = await conn.fetch(caps.sql("connections"), QUERY_TEXT_LIMIT, self.idle_rows)
        counts = None
        if not self.idle_rows:
            # the overview of this same poll counted them; a query of their own otherwise
            counts = _state_counts(context.get("overview"))
            if counts is None:
                counts = from_records(StateCount, await conn.fetch(caps.sql("connection_states")))
        limited = None
        if not caps.sees_all_sessions:
            limited = (f"other roles' queries and states are hidden: "
                       f"GRANT pg_read_all_stats TO {caps.current_user};")
        snap = derive.connections((_scrubbed(b) for b in from_records(Backend, rows)), limited, counts)
        context["connections"] = snap
        return snap


def _state_counts(overview: object) -> tuple[StateCount, ...] | None:
    row = getattr(overview, "row", None)
    if row is None or row.client_states is None:
        return None
    return tuple(StateCount(state=s, sessions=n) for s, n in zip(row.client_states, row.client_state_sessions))


def _scrubbed(b: Backend) -> Backend:
    clean = scrub_sql(b.query)
    return b if clean == b.query else replace(b, query=clean)


class LocksCollector(Collector):
    """Runs after ConnectionsCollector in the same poll: the connections query returns each
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
