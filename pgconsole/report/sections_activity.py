"""Report sections about what the server is doing: server, connections, locks, cache, queries."""

from __future__ import annotations

from ..findings.model import display_name
from ..findings.statement_checks import DML, first_word
from ..snapshots import Cache, Connections, Locks, Overview, Statements, Unavailable
from .data import ReportData, when
from .model import Fact, Section, col, table

TOP = 15


def _unavailable(view) -> tuple[str, ...]:
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
    settings = d.rows("report_settings")
    # values this session set itself (statement_timeout, lock_timeout...) are not the server's
    rows = [(s.name, s.value, s.source, s.pending_restart,
             "pgconsole's own session value" if s.source in ("client", "session") else None) for s in settings]
    tables = [table("settings", "Settings", [col("name"), col("value"), col("source"),
                                             col("pending_restart", "restart pending", "bool"), col("note")], rows)]
    return Section("server", "Server and settings", ctx.sampled_at if ctx else d.frame.sampled_at,
                   "pg_settings, version functions and pg_stat_database; " + _two_samples(d),
                   tuple(facts), tuple(tables), unavailable=_unavailable(ov) + tuple(d.refused("report_settings")))


def connections(d: ReportData) -> Section:
    ov, c = d.frame.overview, d.frame.connections
    facts, tables, notes = [], [], []
    if isinstance(ov, Overview):
        r = ov.row
        facts += [Fact("connections_used", "client connections", r.connections_used, "int"),
                  Fact("max_connections", "max_connections", r.max_connections, "int"),
                  Fact("reserved", "reserved for superusers", r.reserved_connections, "int"),
                  Fact("usable_connections", "usable slots (max_connections less the reserved)",
                       ov.usable_connections, "int"),
                  Fact("connection_use", "share of usable slots taken", ov.connection_use, "ratio")]
    if isinstance(c, Connections):
        for state, n in sorted(c.counts_by_state.items()):
            facts.append(Fact(f"state_{state.replace(' ', '_').replace('(', '').replace(')', '')}",
                              f"sessions {state}", n, "int"))
        clients = [b for b in c.backends if b.backend_type in (None, "client backend") and not b.is_self]
        clients.sort(key=lambda b: -(b.xact_age_s or b.query_age_s or 0))
        rows = [(b.pid, b.usename, b.datname, b.application_name, b.state,
                 f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else None,
                 b.xact_age_s, b.query_age_s, b.query) for b in clients]
        tables.append(table("sessions", "Client sessions, oldest transaction first",
                            [col("pid", kind="int"), col("user"), col("database"), col("application"),
                             col("state"), col("wait"), col("xact_age_s", "transaction age", "s"),
                             col("query_age_s", "statement age", "s"), col("query", kind="code")], rows, TOP))
        if c.limited:
            notes.append(c.limited)
    return Section("connections", "Connections", d.frame.sampled_at,
                   "pg_stat_activity (every database on the server), sampled once at "
                   f"{when(d.frame.sampled_at)}; ages are measured by the server's clock",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(c),
                   ("connection_saturation", "idle_in_transaction", "long_running_query"))


def locks(d: ReportData) -> Section:
    lk = d.frame.locks
    facts, tables = [], []
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
    return Section("locks", "Locks", d.frame.sampled_at,
                   f"pg_blocking_pids() for sessions waiting on a lock (pg_stat_activity), sampled at "
                   f"{when(d.frame.sampled_at)}; a wait shorter than the sample is not seen",
                   tuple(facts), tuple(tables), (), _unavailable(lk), ("blocking_lock",))


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
        mine = [s for s in st.statements if s.row.datname == db and s.row.toplevel]
        total = sum(s.row.total_exec_ms for s in mine)
        facts += [Fact("extension", "pg_stat_statements", f"{st.ext_version} in schema {st.ext_schema}"),
                  Fact("statements", "statements recorded for this database", len(mine), "int"),
                  Fact("total_exec_ms", "their total execution time", total, "ms"),
                  Fact("reset_at", "counting since (last reset)", d.pgss_reset, "ts")]
        cols = [col("queryid", kind="text"), col("calls", kind="int"), col("total_ms", "total", "ms"),
                col("mean_ms", "mean", "ms"), col("rows_per_call", "rows/call", "num"),
                col("share", "share of time", "ratio"), col("interval_calls", "calls in interval", "int"),
                col("query", kind="code")]

        def row(s):
            r = s.row
            return (str(r.queryid), r.calls, r.total_exec_ms, r.mean_exec_ms, r.rows / r.calls if r.calls else None,
                    r.total_exec_ms / total if total else None, s.d_calls, s.query)
        dml = [s for s in mine if first_word(s.query) in DML]
        tables.append(table("by_total", "By total time", cols,
                            [row(s) for s in sorted(mine, key=lambda s: -s.row.total_exec_ms)], 10))
        tables.append(table("by_mean", "By mean time (data statements called 2+ times)", cols,
                            [row(s) for s in sorted((s for s in dml if s.row.calls >= 2),
                                                    key=lambda s: -s.row.mean_exec_ms)], 10))
        lookups = [s for s in dml if first_word(s.query) in ("select", "with") and "$1" in (s.query or "")
                   and s.row.calls and s.row.rows / s.row.calls <= d.findings.thresholds.n_plus_one_max_rows]
        tables.append(table("n_plus_one_candidates", "One-row lookups by calls (N+1 candidates)", cols,
                            [row(s) for s in sorted(lookups, key=lambda s: -s.row.calls)], 10,
                            note="a finding is raised only for those far busier than any other statement"))
        if st.limited:
            notes.append(st.limited)
    return Section("statements", "Slow queries and N+1 patterns", d.frame.sampled_at,
                   "pg_stat_statements, this database's top-level statements, cumulative since its last reset; "
                   f"'calls in interval' over the {d.interval_s:g} s between two samples",
                   tuple(facts), tuple(tables), tuple(notes), _unavailable(st),
                   ("slow_query", "n_plus_one", "pg_stat_statements_missing"))

