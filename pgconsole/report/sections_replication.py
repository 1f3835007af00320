"""Report sections "Replication and WAL" and "Vacuum horizon" (pane 7's views, issue 17)."""

from __future__ import annotations

from ..findings.model import display_name
from ..replication_derive import dead_rows_waiting, dead_tables
from ..replication_snapshots import Autovacuum, Horizon, Io, Replication, Wal
from ..snapshots import Unavailable
from .data import ReportData, when
from .model import Fact, Section, col, table

TOP = 15


def _missing(*views: tuple[str, object]) -> tuple[str, ...]:
    out = []
    for name, v in views:
        if isinstance(v, Unavailable):
            out.append(f"{name}: {v.line()}")
        elif v is None:
            out.append(f"{name}: not collected")
    return tuple(out)


def replication(d: ReportData) -> Section:
    f = d.frame
    r, w, io = f.replication, f.wal, f.io
    facts, tables, notes = [], [], []
    if isinstance(r, Replication):
        st = r.status
        facts.append(Fact("role", "role", "standby" if st.is_standby else "primary"))
        if st.is_standby:
            facts += [Fact("receiver_status", "WAL receiver", st.receiver_status or "not running"),
                      Fact("sender", "streaming from", f"{st.sender_host}:{st.sender_port}" if st.sender_host else None),
                      Fact("replay_pending_bytes", "received, not replayed yet", st.replay_pending_bytes, "bytes"),
                      Fact("caught_up", "everything received is replayed", r.caught_up, "bool"),
                      Fact("replay_age_s", "last replayed transaction committed", st.replay_age_s, "s"),
                      Fact("replay_pause_state", "replay", st.replay_pause_state),
                      Fact("hot_standby_feedback", "hot_standby_feedback", st.hot_standby_feedback, "bool")]
            if r.caught_up:
                notes.append("everything received is replayed: the age of the last replayed transaction grows "
                             "while the primary is idle, and is not a delay")
        else:
            facts.append(Fact("current_lsn", "current WAL position", st.current_lsn))
        tables.append(table(
            "standbys", "Standbys and logical subscribers",
            [col("name"), col("state"), col("sync"), col("slot"), col("client"),
             col("replay_lag_bytes", "replay behind", "bytes"), col("replay_lag_s", "replay lag", "s"),
             col("xmin_age", "feedback xmin age", "int")],
            [(s.application_name, s.state, s.sync_state, s.slot_name, s.client_addr or "local", s.replay_lag_bytes,
              s.replay_lag_s, s.xmin_age) for s in r.standbys], TOP,
            note="replay lag in time is empty while no WAL moves: the primary is idle, not a delay"))
        tables.append(table(
            "slots", "Replication slots",
            [col("slot"), col("type"), col("plugin"), col("database"), col("active", kind="bool"),
             col("retained_bytes", "WAL kept", "bytes"), col("wal_status"),
             col("safe_wal_size", "safe WAL size", "bytes"), col("xmin_age", "xmin age", "int"),
             col("catalog_xmin_age", "catalog xmin age", "int"), col("inactive_s", "inactive for", "s")],
            [(s.slot_name, s.slot_type, s.plugin, s.database, s.active, s.retained_bytes, s.wal_status,
              s.safe_wal_size, s.xmin_age, s.catalog_xmin_age, s.inactive_s) for s in r.slots], TOP,
            note="WAL kept: current position minus restart_lsn; 'inactive for' needs PostgreSQL 17"))
        if r.subscriptions:
            tables.append(table("subscriptions", "Subscriptions",
                                [col("name"), col("database"), col("enabled", kind="bool"), col("worker_pid", "apply pid", "int"),
                                 col("last_msg_age_s", "last message", "s")],
                                [(s.subname, s.database, s.enabled, s.pid, s.last_msg_age_s) for s in r.subscriptions]))
        if st.is_standby:
            tables.append(table("conflicts", "Queries cancelled by recovery conflicts",
                                [col("database"), col("snapshot", kind="int"), col("lock", kind="int"),
                                 col("bufferpin", "buffer pin", "int"), col("deadlock", kind="int"),
                                 col("total", kind="int")],
                                [(c.datname, c.snapshot, c.lock, c.bufferpin, c.deadlock, c.total) for c in r.conflicts]))
        if r.limited:
            notes.append(r.limited)
    if isinstance(w, Wal):
        x = w.row
        facts += [Fact("wal_bytes_per_s", "WAL replayed per second" if x.is_standby else "WAL written per second",
                       w.wal_bytes_per_s, "bytes"),
                  Fact("wal_records_per_s", "WAL records per second", w.records_per_s, "num"),
                  Fact("wal_fpi_per_s", "full-page images per second", w.fpi_per_s, "num"),
                  Fact("checkpoints_timed", "checkpoints timed", x.checkpoints_timed, "int"),
                  Fact("checkpoints_requested", "checkpoints requested", x.checkpoints_requested, "int"),
                  Fact("checkpoint_write_ms", "checkpoint write time", x.checkpoint_write_ms, "ms"),
                  Fact("checkpoint_sync_ms", "checkpoint sync time", x.checkpoint_sync_ms, "ms"),
                  Fact("max_wal_size_bytes", "max_wal_size", x.max_wal_size_bytes, "bytes"),
                  Fact("checkpoint_timeout_s", "checkpoint_timeout", x.checkpoint_timeout_s, "s"),
                  Fact("archive_mode", "archive_mode", x.archive_mode),
                  Fact("archive_failing", "archiving failing", w.archive_failing, "bool"),
                  Fact("archived_count", "WAL files archived", x.archived_count, "int"),
                  Fact("failed_count", "archive failures", x.failed_count, "int"),
                  Fact("last_failed_wal", "last failed WAL file", x.last_failed_wal),
                  Fact("last_archived_age_s", "since the last successful archive", x.last_archived_age_s, "s"),
                  Fact("archive_ready", "WAL files waiting to be archived", x.archive_ready, "int")]
        if x.archive_command is None and x.archive_mode != "off":
            notes.append(f"archive_command is hidden from this role: GRANT pg_read_all_settings TO {d.caps.current_user};")
    if d.caps.version_num < 160000:
        notes.append("I/O by backend type (pg_stat_io) needs PostgreSQL 16 or later")
    elif isinstance(io, Io):
        tables.append(table(
            "io", "I/O by backend type, object and context (pg_stat_io, per second over the interval)",
            [col("backend"), col("object"), col("context"), col("reads_per_s", "reads/s", "num"),
             col("writes_per_s", "writes/s", "num"), col("extends_per_s", "extends/s", "num"),
             col("hits_per_s", "hits/s", "num"), col("evictions_per_s", "evictions/s", "num"),
             col("fsyncs_per_s", "fsyncs/s", "num"), col("read_ms", "read time (total)", "ms"),
             col("write_ms", "write time (total)", "ms")],
            [(s.row.backend_type, s.row.object, s.row.context, s.reads_per_s, s.writes_per_s, s.extends_per_s,
              s.hits_per_s, s.evictions_per_s, s.fsyncs_per_s, s.row.read_ms, s.row.write_ms) for s in io.rows], TOP,
            note=None if io.timing else "times are zero without track_io_timing"))
    return Section("replication", "Replication and WAL", f.sampled_at,
                   "pg_stat_replication, pg_replication_slots, pg_stat_wal_receiver, pg_stat_wal (14+), "
                   "pg_stat_checkpointer (17+; pg_stat_bgwriter before), pg_stat_archiver and pg_stat_io (16+), "
                   f"two samples {d.interval_s:g} s apart, the second at {when(f.sampled_at)}",
                   tuple(facts), tuple(tables), tuple(notes),
                   _missing(("replication", r), ("wal", w), *((("io", io),) if d.caps.version_num >= 160000 else ())),
                   ("inactive_replication_slot", "replication_lag", "standby_not_streaming", "archive_failing",
                    "checkpoints_too_frequent"))


def horizon(d: ReportData) -> Section:
    f = d.frame
    h, av = f.horizon, f.autovacuum
    facts, tables, notes = [], [], []
    avv = av if isinstance(av, Autovacuum) else None
    if isinstance(h, Horizon):
        affecting = h.affecting()
        oldest = h.oldest
        waiting = dead_rows_waiting(h, dead_tables(f.bloat, avv, f.sampled_at))
        facts += [Fact("horizon_holder", "oldest holder of this database's horizon", oldest.label if oldest else None),
                  Fact("horizon_xmin_age", "its age in transactions", oldest.xmin_age if oldest else None, "int"),
                  Fact("horizon_held_s", "held for", oldest.held_s if oldest else None, "s")]
        if waiting:
            facts += [Fact("dead_rows", "dead rows in this database's tables meanwhile", waiting["dead_rows"], "int"),
                      Fact("dead_rows_left_by_vacuum", "of them in tables vacuumed since it began",
                           waiting["dead_rows_left_by_vacuum"], "int")]
        tables.append(table(
            "holders", "Who holds the xmin horizon (oldest first)",
            [col("kind"), col("holder"), col("xmin_age", "xmin age", "int"), col("held_s", "held for", "s"),
             col("state"), col("database"), col("affects", "holds this database back", "bool"),
             col("detail", "query / detail", "code")],
            [(x.kind, x.holder, x.xmin_age, x.held_s, x.state, x.database, x in affecting,
              ("catalogs only: " if x.catalog_only else "") + (x.detail or "")) for x in h.holders], TOP,
            note="a session or prepared transaction holds back its own database; slots and standbys' "
                 "hot_standby_feedback hold back every database"))
        if h.limited:
            notes.append(h.limited)
    if avv is not None:
        s = avv.settings
        facts += [Fact("autovacuum", "autovacuum", s.autovacuum, "bool"),
                  Fact("autovacuum_workers_busy", "autovacuum workers busy", s.workers_busy, "int"),
                  Fact("autovacuum_max_workers", "autovacuum_max_workers", s.max_workers, "int"),
                  Fact("tables_due", "tables due for autovacuum here", len(avv.due()), "int")]
        tables.append(table(
            "workers", "Autovacuum workers at work",
            [col("pid", kind="int"), col("database"), col("table"), col("phase"), col("progress", kind="ratio"),
             col("running_s", "running for", "s"), col("wraparound", "anti-wraparound", "bool")],
            [(w.pid, w.database, w.target, w.phase, w.progress, w.running_s, w.wraparound) for w in avv.workers]))
        tables.append(table(
            "next", "Tables next in line, against their own thresholds",
            [col("table"), col("dead", "dead rows", "int"), col("threshold", "vacuum threshold", "int"),
             col("inserted", "inserted since vacuum", "int"), col("insert_threshold", "insert threshold", "int"),
             col("due"), col("xid_age", "XID age", "int"), col("since_vacuum_s", "last vacuum", "s"),
             col("reloptions", kind="list")],
            [(display_name(n.table.schemaname, n.table.relname), n.table.n_dead_tup, round(n.table.vacuum_threshold),
              n.table.n_ins_since_vacuum,
              None if n.table.insert_threshold is None else round(n.table.insert_threshold),
              n.table.due or ("autovacuum off" if not n.table.enabled else None), n.table.xid_age,
              n.table.since_vacuum_s, n.table.reloptions) for n in avv.tables], TOP,
            note="threshold: autovacuum_vacuum_threshold + scale_factor x reltuples, the table's reloptions "
                 "first; inserts against the insert threshold (13+)"))
        if avv.limited:
            notes.append(avv.limited)
    return Section("horizon", "Vacuum horizon", f.sampled_at,
                   "pg_stat_activity (backend_xmin, backend_xid), pg_prepared_xacts, pg_replication_slots, "
                   "pg_stat_replication (backend_xmin), pg_stat_progress_vacuum and pg_stat_all_tables with "
                   f"each table's reloptions, at {when(f.sampled_at)}; dead rows from the bloat view",
                   tuple(facts), tuple(tables), tuple(notes), _missing(("horizon", h), ("autovacuum", av)),
                   ("xmin_horizon_held", "autovacuum_falling_behind"))
