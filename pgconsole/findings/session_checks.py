"""Checks over sessions: blocking locks, forgotten transactions, long statements, slots,
and the connection pools behind them.

These are server-wide (pg_stat_activity shows every database): a session idle in a
transaction in another database still holds back vacuum everywhere. A role without
pg_read_all_stats sees other roles' sessions without their state or query: these
checks then judge what they can see and say they are partial (blind), never "clean".
"""

from __future__ import annotations

from typing import Any

from ..pools import Pool, pools
from ..quoting import quote_ident
from ..snapshots import Backend, Connections, LockNode, Locks, Overview
from .inputs import CheckInputs
from .model import Finding, Outcome, Thresholds, display_name, remedy
from .statement_checks import first_word

# statements a DBA expects to run long: reported, but only as info
MAINTENANCE = frozenset({"vacuum", "analyze", "create", "reindex", "cluster", "copy", "alter", "refresh",
                         "checkpoint"})
MAINTENANCE_APPS = ("pg_dump", "pg_restore", "pg_basebackup", "pgconsole")


def _client(b: Backend) -> bool:
    return b.is_client and not b.is_self


def _who(b: Backend | None) -> dict[str, Any]:
    if b is None:
        return {}
    return {"user": b.usename, "database": b.datname, "application": b.application_name or None,
            "client": b.client or None}


def _blind(view: Connections | Locks | None, inp: CheckInputs, what: str) -> dict[str, str]:
    """Outcome fields for a check over sessions when this role cannot see other roles'."""
    if view is None or not view.limited:
        return {}
    return {"blind": f"other roles' sessions are hidden from {inp.caps.current_user or 'this role'}: {what}",
            "hint": f"GRANT pg_read_all_stats TO {display_name(None, inp.caps.current_user or 'you')};"}


def _conns(inp: CheckInputs) -> Connections | None:
    c = inp.frame.connections if inp.frame is not None else None
    return c if isinstance(c, Connections) else None


def _subtree(locks: Locks, root: LockNode) -> list[LockNode]:
    nodes = list(locks.nodes)
    i = nodes.index(root)
    out = []
    for n in nodes[i + 1:]:
        if n.depth <= root.depth:
            break
        out.append(n)
    return out


def blocking_lock(inp: CheckInputs, th: Thresholds) -> Outcome:
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
            "window": f"one sample of pg_stat_activity at {inp.now:%H:%M:%S}; the wait is timed by the server",
        }
        if pid == 0:
            obj, what = "prepared transaction", "a prepared transaction"
            fix = remedy("SELECT gid, prepared, owner, database FROM pg_prepared_xacts;",
                         note="then COMMIT PREPARED '<gid>' or ROLLBACK PREPARED '<gid>'")
        else:
            obj, what = f"pid {pid}", f"session {pid}"
            if b is not None and b.idle_in_transaction:
                fix = remedy(f"SELECT pg_terminate_backend({pid});",
                             note="idle in transaction: only ending the session releases its locks")
            else:
                fix = remedy(f"SELECT pg_cancel_backend({pid});",
                             note=f"if that is not enough: SELECT pg_terminate_backend({pid});")
        rel = f" on {first.relation}" if first.relation else ""
        out.append(Finding(
            "blocking_lock", severity, obj,
            f"{what} blocks {root.total_blocked} session(s){rel}; the longest has waited {longest:.1f} s",
            evidence, **fix))
    return Outcome(out, **_blind(locks if locks.limited else _conns(inp), inp, "a wait among them is not seen"))


def idle_in_transaction(inp: CheckInputs, th: Thresholds) -> Outcome:
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
        stmts = [f"SELECT pg_terminate_backend({b.pid});"]
        if b.datname:
            stmts.append(f"ALTER DATABASE {quote_ident(b.datname)} SET idle_in_transaction_session_timeout "
                         "= '5min';")
        out.append(Finding(
            "idle_in_transaction", severity, f"pid {b.pid}",
            f"session {b.pid} ({b.usename or '?'}@{b.datname or '?'}) has been idle in a transaction for "
            f"{age:.0f} s: it holds its locks and keeps vacuum from removing dead rows",
            evidence, **remedy(*stmts, note="and fix the client that leaves transactions open; the ALTER "
                                            "DATABASE is a guard for new sessions")))
    return Outcome(out, **_blind(conns, inp, "a transaction left open by one of them is not seen"))


def long_running_query(inp: CheckInputs, th: Thresholds) -> Outcome:
    conns: Connections = inp.view("connections")
    out = []
    for b in conns.backends:
        if not _client(b) or b.state != "active" or b.query_age_s is None:
            continue
        if b.query_age_s < th.long_query_s:
            continue
        severity = "critical" if b.query_age_s >= th.long_query_critical_s else "warning"
        kind = first_word(b.query)
        maintenance = kind in MAINTENANCE or (b.application_name or "").startswith(MAINTENANCE_APPS)
        if maintenance:
            severity = "info"
        wait = f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else None
        evidence = {"pid": b.pid, "running_s": round(b.query_age_s, 3), "xact_age_s": b.xact_age_s,
                    "wait": wait, "query": b.query, "query_id": b.query_id, **_who(b),
                    "window": f"pg_stat_activity sampled at {inp.now:%Y-%m-%d %H:%M:%S %Z}: running since "
                              "query_start, by the server's clock",
                    "assumed": (f"an OLTP server, where a statement over {th.long_query_s:g} s is long"
                                + ("; a maintenance statement or tool (info only)" if maintenance else ""))}
        out.append(Finding(
            "long_running_query", severity, f"pid {b.pid}",
            f"session {b.pid} has been running one statement for {b.query_age_s:.0f} s"
            + (f" (waiting on {wait})" if wait else ""),
            evidence, **remedy(f"SELECT pg_cancel_backend({b.pid});",
                               note="cancels the statement, keeps the session")))
    return Outcome(out, **_blind(conns, inp, "a long statement of another role is not seen"))


def _idle_pools(all_pools: list[Pool], top: int = 3) -> list[dict[str, Any]]:
    return [{"pool": p.label, "sessions": p.sessions, "idle": p.idle} for p in
            sorted((p for p in all_pools if p.idle), key=lambda p: -p.idle)[:top]]


def connection_saturation(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    ov: Overview = inp.view("overview")
    use = ov.connection_use
    if use < th.connection_use_warn:
        return []
    severity = "critical" if use >= th.connection_use_critical else "warning"
    r = ov.row
    usable = ov.usable_connections
    evidence: dict[str, Any] = {"connections_used": r.connections_used, "max_connections": r.max_connections,
                "reserved_connections": r.reserved_connections, "usable": usable,
                "use": round(use, 4)}
    conns = _conns(inp)
    if conns is not None:
        evidence["by_state"] = dict(sorted(conns.counts_by_state.items()))
    idle = evidence.get("by_state", {}).get("idle", 0)
    message = f"{r.connections_used} of {usable} usable connection slots are taken ({use:.0%})"
    note = "or raise max_connections (needs a restart; every connection costs memory)"
    stmts = []
    if idle:
        stmts.append("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                     "AND state = 'idle' AND state_change < now() - interval '10 minutes';")
    if idle and idle >= th.pool_idle_share * r.connections_used:
        # most slots are held by idle sessions: pools sized for a peak that is not now
        evidence["idle_share"] = round(idle / max(r.connections_used, 1), 4)
        if conns is not None and conns.all_sessions:
            evidence["largest_idle_pools"] = _idle_pools(pools(conns, idle_s=th.pool_idle_s))
        message += f", {idle} of them by idle sessions: client pools hold connections they are not using"
        note = ("put PgBouncer (transaction pooling) in front: a few server connections then serve every "
                "client's pool; or shrink the pools; the SELECT ends sessions idle for 10 minutes now; " + note)
    else:
        note = "put a connection pooler (PgBouncer, or the application's pool) in front, " + note
    return [Finding("connection_saturation", severity, "server", message, evidence, **remedy(*stmts, note=note))]


def oversized_pool(inp: CheckInputs, th: Thresholds) -> Outcome:
    conns: Connections = inp.view("connections")
    if not conns.all_sessions:
        return Outcome([], note="idle sessions were not read (the Connections pane hides them): "
                                "pools are judged when they are shown (i)")
    earlier = inp.earlier.connections if inp.earlier is not None else None
    found = pools(conns, [earlier] if isinstance(earlier, Connections) else [], idle_s=th.pool_idle_s)
    out = []
    for p in found:
        if p.sessions < th.pool_min_sessions or p.peak_busy > th.pool_busy_share * p.sessions:
            continue
        spare = p.sessions - p.peak_busy
        long_idle = p.idle_over >= p.sessions / 2
        severity = "warning" if long_idle else "info"
        seen = (f"the busiest of {p.samples} samples" if p.samples > 1 else "one sample")
        evidence = {
            "application": p.application or None, "user": p.user, "client": p.client, "sessions": p.sessions,
            "active": p.active, "idle": p.idle, "idle_in_transaction": p.idle_in_transaction,
            "peak_busy": p.peak_busy, "longest_idle_s": round(p.longest_idle_s, 1) if p.longest_idle_s else None,
            f"idle_over_{th.pool_idle_s:g}s": p.idle_over,
            "window": f"pg_stat_activity at {inp.now:%Y-%m-%d %H:%M:%S %Z}, {seen}",
            "assumed": ("the connections beyond the most this client used at once are spare; " + seen
                        + " may miss its real peak" + ("; most have sat idle that long, so the pool is "
                                                       "oversized for a while, not a lull" if long_idle else
                                                       "; a warning once most of them sit idle for "
                                                       f"{th.pool_idle_s:g} s")),
        }
        out.append(Finding(
            "oversized_pool", severity, p.label,
            f"{p.label} holds {p.sessions} connections but used at most {p.peak_busy} at once ({seen}); "
            f"{p.idle_over} have been idle for {th.pool_idle_s:g} s or more",
            evidence,
            remedy=(f"lower this client's pool size (maximum and minimum idle) towards {max(p.peak_busy, 1)} plus "
                    f"headroom: {spare} connections are spare; or put PgBouncer (transaction pooling) between "
                    "the clients and the server")))
    return Outcome(out, **_blind(conns, inp, "their pools are not counted"))
