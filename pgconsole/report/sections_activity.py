"""Report sections about what the server is doing: server, connections, locks, cache, queries."""

from __future__ import annotations

from ..findings.model import display_name
from ..findings.statement_checks import DML, first_word, keyed_select
from ..pools import pools as group_pools
from ..snapshots import Cache, Connections, Locks, Overview, Statement, Statements, Unavailable
from .data import ReportData, when
from .model import Fact, Row, Section, Table, col, table

TOP = 15


def _unavailable(view: object) -> tuple[str, ...]:
    if isinstance(view, Unavailable):
        return (view.line(),)
    if view is None:
        return ("not collected",)
    return ()


def _two_samples(d: ReportData) -> str:
    return (f"two samples {d.interval_s:g} s apart, the second at {when(d.frame.sampled_at)}; "
            "rates and 'interval' figures are between them")


def server(d: ReportData) -> Section:
    ov, caps = d.frame.overview, d.caps
    ctx = d.catalog.context()
    facts = [Fact("version", "PostgreSQL", caps.version),
             Fact("version_num", "server_version_num", caps.version_num),
             Fact("role", "role", f"{caps.current_user}" + (" (superuser)" if caps.is_superuser else
                                                             " (pg_monitor)" if caps.monitor else "")),
             Fact("is_standby", "standby", caps.is_standby, "bool")]
    if isinstance(ov, Overview):
        facts += [Fact("started_at", "server started", ov.row.started_at, "ts"),
                  Fact("uptime_s", "uptime", ov.uptime_s, "s"),
                  Fact("tps", "transactions/s (all databases)", ov.tps, "num"),
                  Fact("hit_ratio", "buffer hit ratio (all databases, cumulative)", ov.hit_ratio, "ratio"),
                  Fact("temp_bytes", "temporary file bytes (cumulative)", ov.row.temp_bytes, "bytes"),
                  Fact("deadlocks", "deadlocks (cumulative)", ov.row.deadlocks, "int"),
                  Fact("checkpoints_requested", "checkpoints requested / timed",
                       f"{ov.row.checkpoints_requested} / {ov.row.checkpoints_timed}")]
    since, what = d.stats_since()
    facts += [Fact("stats_since", "statistics counted since", since, "ts"),
              Fact("stats_since_what", "which is", what)]
    if caps.pgss_schema:
        facts.append(Fact("pg_stat_statements", "pg_stat_statements",
                          f"{caps.pgss_version} in schema {caps.pgss_schema}"))
    tables, unavailable = _settings(d)
    return Section("server", "Server and settings", ctx.sampled_at if ctx else d.frame.sampled_at,
                   "pg_settings read on a session that sets nothing of its own (the values any session of this "
                   "role and database starts with: configuration file, ALTER SYSTEM, database and role defaults), "
                   "version functions and pg_stat_database; " + _two_samples(d),
                   tuple(facts), tuple(tables), unavailable=_unavailable(ov) + unavailable)


def _settings(d: ReportData) -> tuple[list[Table], tuple[str, ...]]:
    """The server's configured values, and apart from them pgconsole's own session overrides."""
    cols = [col("name"), col("value"), col("source"), col("pending_restart", "restart pending", "bool"),
            col("note")]
    own = d.session_settings
    unavailable: tuple[str, ...] = ()
    if isinstance(d.settings, tuple) and d.settings:
        server = {s.name: s for s in d.settings}
        rows: list[Row] = [(s.name, s.value, s.source, s.pending_restart, None) for s in d.settings]
    else:
        # no plain session: the monitoring session's values, its own overrides marked unknown
        why = d.settings.line() if isinstance(d.settings, Unavailable) else "not read"
        unavailable = (f"server settings: {why}; the monitoring session's values are shown, "
                       "without those pgconsole sets itself",)
        server = {}
        rows = [(s.name, None if s.name in own else s.value, s.source, s.pending_restart,
                 "set by pgconsole for its own session: the server's value could not be read" if s.name in own
                 else None) for s in d.rows("report_settings")]
    tables = [table("settings", "Settings (the server's, as any session of this role and database gets them)",
                    cols, rows)]
    tables.append(table(
        "pgconsole_session", "pgconsole's own session settings (not the server's)",
        [col("name"), col("pgconsole_value", "pgconsole's value"), col("server_value", "the server's value")],
        [(name, value, server[name].value if name in server else None) for name, value in own.items()],
        note="pgconsole bounds its monitoring sessions with these; they change nothing for other sessions"))
    return tables, unavailable


def connections(d: ReportData) -> Section:
    ov, c = d.frame.overview, d.frame.connections
    facts, tables, notes = [], [], []
    if isinstance(ov, Overview):
        r = ov.row
        facts += [Fact("connections_used", "client connections", r.connections_used, "int"),
                  Fact("max_connections", "max_connections", r.max_connections, "int"),
                  Fact("reserved", "reserved (superuser_reserved_connections, and from 16 reserved_connections)",
                       r.reserved_connections, "int"),
                  Fact("usable_connections", "usable slots (max_connections less the reserved)",
                       ov.usable_connections, "int"),
                  Fact("connection_use", "share of usable slots taken", ov.connection_use, "ratio")]
    if isinstance(c, Connections):
        for state, n in sorted(c.counts_by_state.items()):
            facts.append(Fact(f"state_{state.replace(' ', '_').replace('(', '').replace(')', '')}",
                              f"sessions {state}", n, "int"))
        clients = [b for b in c.backends if b.is_client and not b.is_self]
        clients.sort(key=lambda b: -(b.xact_age_s or b.query_age_s or 0))
        rows = [(str(b.pid), b.usename, b.datname, b.application_name, b.state,
                 f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else None,
                 b.xact_age_s, b.query_age_s, b.query) for b in clients]
        tables.append(table("sessions", "Client sessions, oldest transaction first",
                            [col("pid"), col("user"), col("database"), col("application"),
                             col("state"), col("wait"), col("xact_age_s", "transaction age", "s"),
                             col("query_age_s", "statement age", "s"), col("query", kind="code")], rows, TOP))
        if c.limited:
            notes.append(c.limited)
    return Section("connections", "Connections", d.frame.sampled_at,
                   "pg_stat_activity (every database on the server), sampled once at "
                   f"{when(d.frame.sampled_at)}; ages are measured by the server's clock",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(c),
                   ("connection_saturation", "idle_in_transaction", "long_running_query"))


def pools(d: ReportData) -> Section:
    c, early = d.frame.connections, d.first.connections
    facts, tables, notes = [], [], []
    if isinstance(c, Connections):
        th = d.findings.thresholds
        found = group_pools(c, [early] if isinstance(early, Connections) else [], idle_s=th.pool_idle_s)
        facts += [Fact("pools", "clients (application, user, address)", len(found), "int"),
                  Fact("sessions", "their sessions", sum(p.sessions for p in found), "int"),
                  Fact("idle", "idle", sum(p.idle for p in found), "int")]
        tables.append(table(
            "pools", "Client sessions by application, user and address (most sessions first)",
            [col("application"), col("user"), col("client"), col("sessions", kind="int"),
             col("active", kind="int"), col("idle", kind="int"),
             col("idle_in_transaction", "idle in transaction", "int"),
             col("peak_busy", "most busy at once", "int"), col("longest_idle_s", "longest idle", "s"),
             col("longest_idle_in_transaction_s", "longest idle in transaction", "s")],
            [(p.application or None, p.user, p.client, p.sessions, p.active, p.idle, p.idle_in_transaction,
              p.peak_busy, p.longest_idle_s, p.longest_idle_in_transaction_s) for p in found], TOP,
            note=(f"'most busy at once': active or in a transaction, the busiest of {found[0].samples if found else 1}"
                  f" samples {d.interval_s:g} s apart; a pooler such as PgBouncer is seen here as one client")))
        if not c.all_sessions:
            notes.append("idle sessions were not read: the pools are incomplete")
        if c.limited:
            notes.append("other roles' sessions are not grouped: " + c.limited)
    return Section("pools", "Connection pools", d.frame.sampled_at,
                   "client sessions of pg_stat_activity (every database) grouped by application_name, user and "
                   f"client address, in two samples {d.interval_s:g} s apart",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(c), ("oversized_pool",))


def locks(d: ReportData) -> Section:
    lk = d.frame.locks
    facts, tables, notes = [], [], []
    if isinstance(lk, Locks):
        facts += [Fact("waiting", "sessions waiting on a lock", lk.waiting_count, "int"),
                  Fact("root_blockers", "sessions at the root of a wait", len(lk.roots), "int")]
        rows = [(("  " * n.depth) + (str(n.pid) if n.pid else "prepared transaction"), n.depth, n.mode,
                 n.relation, n.wait_s, n.total_blocked, n.backend.state if n.backend else None,
                 n.backend.query if n.backend else None) for n in lk.nodes]
        tables.append(table("tree", "Blocking tree (waiters under their blocker)",
                            [col("pid"), col("depth", kind="int"), col("mode"), col("relation"),
                             col("wait_s", "waiting", "s"), col("blocks", kind="int"), col("state"),
                             col("query", kind="code")], rows, 50))
        if lk.limited:
            notes.append("this role cannot see every session: \"no waiting session\" covers only those it sees; "
                         + lk.limited)
    return Section("locks", "Locks", d.frame.sampled_at,
                   f"pg_blocking_pids() for sessions waiting on a lock (pg_stat_activity), sampled at "
                   f"{when(d.frame.sampled_at)}; a wait shorter than the sample is not seen",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(lk), ("blocking_lock",))


def cache(d: ReportData) -> Section:
    c, ov = d.frame.cache, d.frame.overview
    ctx = d.catalog.context()
    facts, tables = [], []
    if isinstance(c, Cache):
        facts += [Fact("heap_hit_ratio", "table blocks from shared buffers (this database)", c.heap_ratio, "ratio"),
                  Fact("index_hit_ratio", "index blocks from shared buffers", c.idx_ratio, "ratio"),
                  Fact("heap_hit_ratio_interval", "table blocks, over the interval", c.heap_ratio_interval, "ratio"),
                  Fact("index_hit_ratio_interval", "index blocks, over the interval", c.idx_ratio_interval, "ratio"),
                  Fact("blocks_read_per_s", "blocks read from outside shared buffers /s", c.blks_read_per_s, "num")]
        rows = sorted(c.tables, key=lambda t: -(t.io.heap_blks_read + t.io.idx_blks_read))
        tables.append(table(
            "tables", "Tables by blocks read from outside shared buffers",
            [col("table"), col("heap_hit_ratio", "table hit", "ratio"), col("index_hit_ratio", "index hit", "ratio"),
             col("blocks_read", "blocks read", "int"), col("blocks_hit", "blocks hit", "int"),
             col("size_bytes", "size", "bytes")],
            [(display_name(t.io.schemaname, t.io.relname), t.heap_ratio, t.idx_ratio,
              t.io.heap_blks_read + t.io.idx_blks_read, t.io.heap_blks_hit + t.io.idx_blks_hit, t.io.size_bytes)
             for t in rows], TOP))
    if isinstance(ov, Overview):
        facts.append(Fact("server_hit_ratio", "all databases (pg_stat_database)", ov.hit_ratio, "ratio"))
    if ctx is not None:
        facts.append(Fact("shared_buffers", "shared_buffers", ctx.shared_buffers))
    since, what = d.stats_since()
    return Section("cache", "Cache", d.frame.sampled_at,
                   f"pg_statio_user_tables block counters, cumulative since {when(since)} ({what}), and over the "
                   f"{d.interval_s:g} s between two samples; a 'read' may still come from the OS page cache",
                   tuple(facts), tuple(tables), (), _unavailable(c), ("low_cache_hit_ratio",))


def statements(d: ReportData) -> Section:
    st = d.frame.statements
    facts, tables, notes = [], [], []
    db = d.caps.current_database
    if isinstance(st, Statements):
        here = [s for s in st.statements if s.row.datname == db and s.row.toplevel]
        own = [s for s in here if s.own]
        hidden = [s for s in here if s.hidden]
        mine = [s for s in here if not s.hidden and (d.own_statements or not s.own)]
        total = sum(s.row.total_exec_ms for s in here)
        facts += [Fact("extension", "pg_stat_statements", f"{st.ext_version} in schema {st.ext_schema}"),
                  Fact("statements", "statements recorded for this database", len(mine), "int"),
                  Fact("total_exec_ms", "total execution time (every statement of this database)", total, "ms"),
                  Fact("reset_at", "counting since (last reset)", d.pgss_reset, "ts"),
                  Fact("own_statements", "pgconsole's own statements" + (" (shown)" if d.own_statements else
                                                                         " (left out; --show-own shows them)"),
                       len(own), "int")]
        cols = [col("queryid"), col("calls", kind="int"), col("total_ms", "total", "ms"),
                col("mean_ms", "mean", "ms"), col("rows_per_call", "rows/call", "num"),
                col("share", "share of time", "ratio"), col("interval_calls", "calls in interval", "int"),
                col("query", kind="code")]

        def row(s: Statement) -> Row:
            r = s.row
            return (str(r.queryid), r.calls, r.total_exec_ms, r.mean_exec_ms, r.rows / r.calls if r.calls else None,
                    r.total_exec_ms / total if total else None, s.d_calls, s.query)
        dml = [s for s in mine if first_word(s.query) in DML]
        tables.append(table("by_total", "By total time", cols,
                            [row(s) for s in sorted(mine, key=lambda s: -s.row.total_exec_ms)], 10))
        tables.append(table("by_mean", "By mean time (data statements called 2+ times)", cols,
                            [row(s) for s in sorted((s for s in dml if s.row.calls >= 2),
                                                    key=lambda s: -s.row.mean_exec_ms)], 10))
        th = d.findings.thresholds
        lookups = [s for s in dml if keyed_select(s) and s.row.calls
                   and s.row.rows / s.row.calls <= th.n_plus_one_max_rows]
        tables.append(table("n_plus_one_candidates", "Lookups by key by calls (N+1 candidates)", cols,
                            [row(s) for s in sorted(lookups, key=lambda s: -s.row.calls)], 10,
                            note=f"a finding is raised only for those called {th.n_plus_one_ratio:g}x as often as the "
                                 "busiest other statement of their role, cheap and a few rows a call"))
        if hidden:
            r = [(h.row.usename, h.hidden_entries, h.row.calls, h.row.total_exec_ms,
                  h.row.total_exec_ms / total if total else None) for h in hidden]
            tables.append(table("other_roles", "Other roles' statements (hidden from this role)",
                                [col("user"), col("entries", kind="int"), col("calls", kind="int"),
                                 col("total_ms", "total", "ms"), col("share", "share of time", "ratio")], r,
                                note="no queryid and no text: they cannot be told apart or matched between samples, "
                                     "so they have no interval figures and no finding judges them"))
        if st.limited:
            notes.append(st.limited)
    return Section("statements", "Slow queries and N+1 patterns", d.frame.sampled_at,
                   "pg_stat_statements, this database's top-level statements, cumulative since its last reset; "
                   f"'calls in interval' over the {d.interval_s:g} s between two samples",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(st),
                   ("slow_query", "n_plus_one", "pg_stat_statements_missing"))
