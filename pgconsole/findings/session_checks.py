"""Checks over sessions: blocking locks, forgotten transactions, long statements, slots.

These are server-wide (pg_stat_activity shows every database): a session idle in a
transaction in another database still holds back vacuum everywhere.
"""

from __future__ import annotations

from ..snapshots import Backend, Connections, LockNode, Locks, Overview
from .inputs import CheckInputs
from .model import Finding, Thresholds


def _client(b: Backend) -> bool:
    return b.backend_type in (None, "client backend") and not b.is_self


def _who(b: Backend | None) -> dict:
    if b is None:
        return {}
    return {"user": b.usename, "database": b.datname, "application": b.application_name or None,
            "client": b.client or None}


def _subtree(locks: Locks, root: LockNode) -> list[LockNode]:
    nodes = list(locks.nodes)
    i = nodes.index(root)
    out = []
    for n in nodes[i + 1:]:
        if n.depth <= root.depth:
            break
        out.append(n)
    return out


def blocking_lock(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    locks: Locks = inp.view("locks")
    out = []
    for pid in locks.roots:
        root = locks.node(pid)
        if root is None:
            continue
        waiters = _subtree(locks, root)
        waits = [w.wait_s for w in waiters if w.wait_s is not None]
        longest = max(waits, default=0.0)
        if not waiters or longest < th.blocking_lock_wait_s:
            continue
        severity = "critical" if longest >= th.blocking_lock_critical_s else "warning"
        b = root.backend
        first = waiters[0]
        evidence = {
            "pid": pid, "blocked_sessions": root.total_blocked, "longest_wait_s": round(longest, 3),
            "waiting_pids": [w.pid for w in waiters[:20]], "wanted_lock": first.mode,
            "relation": first.relation, "blocker_state": b.state if b else None,
            "blocker_xact_age_s": b.xact_age_s if b else None,
            "blocker_query": b.query if b else None, **_who(b),
        }
        if pid == 0:
            obj, what = "prepared transaction", "a prepared transaction"
            remedy = ("SELECT gid, prepared, owner, database FROM pg_prepared_xacts;  "
                      "-- then COMMIT PREPARED '<gid>' or ROLLBACK PREPARED '<gid>'")
        else:
            obj, what = f"pid {pid}", f"session {pid}"
            if b is not None and b.idle_in_transaction:
                remedy = (f"SELECT pg_terminate_backend({pid});  -- idle in transaction: "
                          "only ending the session releases its locks")
            else:
                remedy = f"SELECT pg_cancel_backend({pid});  -- if that is not enough: pg_terminate_backend({pid})"
        rel = f" on {first.relation}" if first.relation else ""
        out.append(Finding(
            "blocking_lock", severity, obj,
            f"{what} blocks {root.total_blocked} session(s){rel}; the longest has waited {longest:.1f} s",
            evidence, remedy))
    return out


def idle_in_transaction(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    conns: Connections = inp.view("connections")
    setting = None
    ctx = inp.catalog.context() if inp.catalog is not None else None
    if ctx is not None:
        setting = ctx.idle_in_transaction_session_timeout
    out = []
    for b in conns.backends:
        if not (_client(b) and b.idle_in_transaction):
            continue
        age = b.state_age_s or 0.0
        if age < th.idle_in_transaction_s:
            continue
        severity = "critical" if age >= th.idle_in_transaction_critical_s else "warning"
        evidence = {"pid": b.pid, "state": b.state, "idle_s": round(age, 3), "xact_age_s": b.xact_age_s,
                    "xmin_age": b.xmin_age, "last_query": b.query, **_who(b),
                    "idle_in_transaction_session_timeout": setting}
        remedy = (f"SELECT pg_terminate_backend({b.pid});  -- and fix the client that leaves transactions "
                  "open; a guard: ALTER DATABASE ... SET idle_in_transaction_session_timeout = '5min'")
        out.append(Finding(
            "idle_in_transaction", severity, f"pid {b.pid}",
            f"session {b.pid} ({b.usename or '?'}@{b.datname or '?'}) has been idle in a transaction for "
            f"{age:.0f} s: it holds its locks and keeps vacuum from removing dead rows",
            evidence, remedy))
    return out


def long_running_query(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    conns: Connections = inp.view("connections")
    out = []
    for b in conns.backends:
        if not _client(b) or b.state != "active" or b.query_age_s is None:
            continue
        if b.query_age_s < th.long_query_s:
            continue
        severity = "critical" if b.query_age_s >= th.long_query_critical_s else "warning"
        wait = f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else None
        evidence = {"pid": b.pid, "running_s": round(b.query_age_s, 3), "xact_age_s": b.xact_age_s,
                    "wait": wait, "query": b.query, "query_id": b.query_id, **_who(b)}
        out.append(Finding(
            "long_running_query", severity, f"pid {b.pid}",
            f"session {b.pid} has been running one statement for {b.query_age_s:.0f} s"
            + (f" (waiting on {wait})" if wait else ""),
            evidence,
            f"SELECT pg_cancel_backend({b.pid});  -- cancels the statement, keeps the session"))
    return out


def connection_saturation(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    ov: Overview = inp.view("overview")
    use = ov.connection_use
    if use < th.connection_use_warn:
        return []
    severity = "critical" if use >= th.connection_use_critical else "warning"
    r = ov.row
    usable = max(r.max_connections - r.reserved_connections, 1)
    evidence = {"connections_used": r.connections_used, "max_connections": r.max_connections,
                "superuser_reserved_connections": r.reserved_connections, "usable": usable,
                "use": round(use, 4)}
    conns = inp.frame.connections if inp.frame is not None else None
    if isinstance(conns, Connections):
        evidence["by_state"] = dict(sorted(conns.counts_by_state.items()))
    idle = evidence.get("by_state", {}).get("idle", 0)
    remedy = ("put a connection pooler (PgBouncer, or the application's pool) in front, "
              "or raise max_connections (needs a restart)")
    if idle:
        remedy += (f"; {idle} sessions are idle: SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE backend_type = 'client backend' AND state = 'idle' "
                   "AND state_change < now() - interval '10 minutes';")
    return [Finding("connection_saturation", severity, "server",
                    f"{r.connections_used} of {usable} usable connection slots are taken ({use:.0%})",
                    evidence, remedy)]
