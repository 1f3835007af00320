"""Pane 7's words: the role line, each view's summary, everything about the selected row,
and which row a finding is about. Server text goes through `srv()` (replication_rows)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ... import fmt
from ...replication_derive import dead_rows_waiting, dead_tables
from ...replication_snapshots import (
    Autovacuum, AutovacuumNext, AutovacuumWorker, DatabaseConflicts, Horizon, HorizonHolder, Io, IoStat,
    Replication, Slot, Standby, Subscription, Wal,
)
from ...snapshots import Frame
from .replication_rows import replay_delay, srv


def role_summary(frame: Frame) -> Text:
    """primary · WAL 1.2 MB/s, or standby of host:port · streaming · caught up."""
    r, w = frame.replication, frame.wal
    t = Text()
    rate = w.wal_bytes_per_s if isinstance(w, Wal) else None
    if not isinstance(r, Replication):
        t.append_text(srv("replication: " + (r.reason if hasattr(r, "reason") else "not collected yet"), style="dim"))
        return t
    st = r.status
    if st.is_standby:
        t.append("standby", style="bold")
        if st.sender_host:
            t.append(" of ")
            t.append_text(srv(f"{st.sender_host}:{st.sender_port}"))
        t.append(" · ")
        t.append(st.receiver_status or "no WAL receiver",
                 style="green" if st.receiver_status == "streaming" else "bold red")
        t.append(" · replay ")
        t.append_text(replay_delay(r))
        if st.replay_pause_state not in (None, "not paused"):
            t.append(f" ({st.replay_pause_state})", style="bold yellow")
    else:
        t.append("primary", style="bold")
        t.append(f" · {len(r.standbys)} standby" + ("s" if len(r.standbys) != 1 else ""))
    if rate is not None:
        t.append(f" · WAL {fmt.bytes_(rate)}/s")
    return t


def mode_summary(mode: str, view: Any, frame: Frame, io_totals: bool) -> Text:
    t = Text()
    if mode == "links" and isinstance(view, Replication):
        worst = max((s.replay_lag_bytes or 0 for s in view.standbys), default=None)
        if worst is not None:
            t.append(f"worst replay {fmt.bytes_(worst)} behind")
        idle = [s for s in view.slots if not s.active and not s.temporary]
        kept = sum(s.retained_bytes or 0 for s in view.slots)
        if view.slots:
            t.append((" · " if len(t) else "") + f"{len(view.slots)} slots keep {fmt.bytes_(kept)}")
        if idle:
            t.append(f" ({len(idle)} inactive)", style="bold yellow")
        if not len(t):
            t.append("no standbys, slots or subscriptions", style="dim")
        if view.limited:
            t.append(" · " + view.limited, style="yellow")
    elif mode == "horizon" and isinstance(view, Horizon):
        oldest = view.oldest
        if oldest is None:
            t.append(f"nothing holds {view.database}'s horizon back", style="green")
        else:
            t.append(f"horizon {oldest.xmin_age or 0:,} xids back, held by ")
            t.append_text(srv(oldest.label, style="bold"))
            av = frame.autovacuum if isinstance(frame.autovacuum, Autovacuum) else None
            if oldest.held_s is not None:
                t.append(f" for {fmt.duration(oldest.held_s)}")
            waiting = dead_rows_waiting(view, dead_tables(frame.bloat, av, frame.sampled_at))
            if waiting and waiting["dead_rows_left_by_vacuum"]:
                t.append(f" · {waiting['dead_rows_left_by_vacuum']:,} dead rows vacuum had to leave", style="yellow")
            elif waiting and waiting["dead_rows"]:
                t.append(f" · {waiting['dead_rows']:,} dead rows in the tables", style="dim")
        if view.limited:
            t.append(" · " + view.limited, style="yellow")
    elif mode == "autovacuum" and isinstance(view, Autovacuum):
        s = view.settings
        t.append(f"workers {s.workers_busy}/{s.max_workers} busy", style="bold yellow" if view.all_busy else "")
        t.append(f" · {len(view.due())} table(s) due here")
        if not s.autovacuum:
            t.append(" · autovacuum is OFF", style="bold red")
        if view.limited:
            t.append(" · " + view.limited, style="yellow")
    elif mode == "wal" and isinstance(view, Wal):
        share = view.requested_share
        t.append(f"checkpoints {fmt.pct(share, 0)} requested", style="yellow" if share and share >= 0.5 else "")
        t.append(" · archiver ")
        r = view.row
        t.append("off" if r.archive_mode == "off" else "FAILING" if view.archive_failing else "ok",
                 style="bold red" if view.archive_failing else "")
    elif mode == "io" and isinstance(view, Io):
        if io_totals or view.interval_s is None:
            t.append("pg_stat_io totals since the last reset")
        else:
            t.append(f"pg_stat_io per second over the last {view.interval_s:.1f}s")
        t.append("" if view.timing else " · times need track_io_timing", style="dim")
        t.append(" · i: " + ("per second" if io_totals else "totals"), style="dim")
    return t


def _line(t: Text, label: str, value: Text | str) -> None:
    t.append(f"{label:<18}", style="dim")
    t.append_text(value if isinstance(value, Text) else Text(value))
    t.append("\n")


def describe(obj: Any, frame: Frame) -> Text:
    """Everything about one row of pane 7, with what can be done about it."""
    t = Text()
    if isinstance(obj, Standby):
        t.append_text(srv(f"{'subscriber' if obj.logical else 'standby'} {obj.application_name or obj.pid}",
                          style="bold"))
        t.append("\n")
        _line(t, "connection", srv(f"pid {obj.pid}  user {obj.usename or '-'}  from {obj.client_addr or 'local'}"))
        _line(t, "state", srv(f"{obj.state}  sync {obj.sync_state}  slot {obj.slot_name or '-'}"))
        _line(t, "behind (bytes)", f"sent {fmt.bytes_(obj.sent_lag_bytes)}  written {fmt.bytes_(obj.write_lag_bytes)}"
                                   f"  flushed {fmt.bytes_(obj.flush_lag_bytes)}  replayed {fmt.bytes_(obj.replay_lag_bytes)}")
        lag = (f"write {fmt.duration(obj.write_lag_s)}  flush {fmt.duration(obj.flush_lag_s)}  "
               f"replay {fmt.duration(obj.replay_lag_s)}") if obj.replay_lag_s is not None else \
            "no time lag to measure: no WAL has moved lately (the primary is idle), which is not a delay"
        _line(t, "behind (time)", lag)
        _line(t, "feedback xmin", f"{fmt.num(obj.xmin_age)} transactions old" if obj.xmin_age is not None else
              "none (hot_standby_feedback off, or through a slot)")
        _line(t, "last reply", f"{fmt.duration(obj.reply_age_s)} ago; connected {fmt.duration(obj.connected_s)}")
    elif isinstance(obj, Slot):
        t.append_text(srv(f"slot {obj.slot_name}", style="bold"))
        t.append_text(srv(f"  ({obj.slot_type}{', ' + obj.plugin if obj.plugin else ''}"
                          f"{', database ' + obj.database if obj.database else ''})\n"))
        _line(t, "in use", srv(f"yes, by pid {obj.active_pid}" if obj.active else
                               "no" + (f", for {fmt.duration(obj.inactive_s)}" if obj.inactive_s is not None else ""),
                               style="" if obj.active else "bold yellow"))
        _line(t, "WAL kept", f"{fmt.bytes_(obj.retained_bytes)} (from restart_lsn {obj.restart_lsn or '-'})")
        _line(t, "wal_status", srv(f"{obj.wal_status or '-'}; safe_wal_size "
                                   f"{fmt.bytes_(obj.safe_wal_size) if obj.safe_wal_size is not None else 'unlimited'}"))
        _line(t, "holds xmin", f"{fmt.num(obj.xmin_age)} / catalog_xmin {fmt.num(obj.catalog_xmin_age)}")
        if obj.invalidation_reason:
            _line(t, "invalidated", srv(obj.invalidation_reason, style="bold red"))
        if not obj.active:
            t.append("D: drop it (pg_drop_replication_slot), once nothing will read it again", style="dim")
    elif isinstance(obj, Subscription):
        t.append_text(srv(f"subscription {obj.subname} in {obj.database}", style="bold"))
        t.append(f"\nenabled {obj.enabled}; apply worker {obj.pid or 'not running'}; last message "
                 f"{fmt.duration(obj.last_msg_age_s)} ago; received up to ")
        t.append_text(srv(obj.received_lsn or "-"))
    elif isinstance(obj, DatabaseConflicts):
        t.append_text(srv(f"queries cancelled by replay conflicts in {obj.datname}", style="bold"))
        t.append(f"\nsnapshot {obj.snapshot}  lock {obj.lock}  buffer pin {obj.bufferpin}  deadlock "
                 f"{obj.deadlock}  tablespace {obj.tablespace}"
                 + (f"  logical slot {obj.logicalslot}" if obj.logicalslot is not None else ""))
        t.append("\nhot_standby_feedback and max_standby_streaming_delay trade these against the primary's bloat",
                 style="dim")
    elif isinstance(obj, HorizonHolder):
        t.append_text(srv(obj.label, style="bold"))
        t.append("\n")
        _line(t, "xmin age", f"{fmt.num(obj.xmin_age)} transactions"
              + (" (catalogs only: a logical slot's catalog_xmin)" if obj.catalog_only else ""))
        _line(t, "held for", fmt.duration(obj.held_s) if obj.held_s is not None else "unknown")
        _line(t, "state", srv(obj.state or "-"))
        _line(t, "where", srv(f"db {obj.database or '-'}  user {obj.user_name or '-'}  "
                              f"app {obj.application_name or '-'}"))
        if obj.detail:
            _line(t, "query / detail", srv(obj.detail, width=400))
        t.append({"session": "c: cancel its query · k: terminate it",
                  "prepared": "D: ROLLBACK PREPARED (or COMMIT PREPARED it yourself)",
                  "slot": "D: drop the slot, if nothing will read it again",
                  "standby": "on the standby: cancel its oldest query, or turn hot_standby_feedback off"}[obj.kind],
                 style="dim")
    elif isinstance(obj, AutovacuumWorker):
        t.append_text(srv(f"autovacuum worker {obj.pid} in {obj.database or '-'}", style="bold"))
        t.append("\n")
        _line(t, "working on", srv(obj.target or "-"))
        _line(t, "phase", srv(f"{obj.phase or '-'}  {fmt.pct(obj.progress, 0)} of "
                              f"{fmt.num(obj.heap_blks_total)} heap blocks scanned; index passes "
                              f"{fmt.num(obj.index_vacuum_count)}"))
        _line(t, "running for", fmt.duration(obj.running_s))
        if obj.wraparound:
            t.append("an anti-wraparound run: it will not give way to locks, and cancelling it only delays it",
                     style="bold red")
    elif isinstance(obj, AutovacuumNext):
        r = obj.table
        t.append_text(srv(f"{r.schemaname}.{r.relname}", style="bold"))
        t.append(f"  ({fmt.num(r.reltuples)} rows by reltuples)\n")
        _line(t, "dead rows", f"{fmt.num(r.n_dead_tup)} of threshold {fmt.num(r.vacuum_threshold)} "
                              f"({fmt.pct(r.dead_ratio, 0)})")
        _line(t, "inserted", f"{fmt.num(r.n_ins_since_vacuum)} of threshold {fmt.num(r.insert_threshold)}"
              if r.insert_threshold is not None else "insert-triggered vacuum off")
        _line(t, "changed", f"{fmt.num(r.n_mod_since_analyze)} of analyze threshold {fmt.num(r.analyze_threshold)}")
        _line(t, "XID age", f"{fmt.num(r.xid_age)} of autovacuum_freeze_max_age {fmt.num(r.freeze_max_age)}")
        _line(t, "due", f"{r.due} for {fmt.duration(obj.over_s)} (as seen here)" if r.due else "no")
        _line(t, "last vacuum", f"{fmt.duration(r.since_vacuum_s)} ago" if r.since_vacuum_s is not None else "never")
        if r.reloptions:
            _line(t, "reloptions", srv(", ".join(r.reloptions), width=300))
        if not r.enabled:
            t.append("autovacuum_enabled = false: only anti-wraparound runs touch it", style="yellow")
    elif isinstance(obj, IoStat):
        r = obj.row
        t.append_text(srv(f"{r.backend_type} · {r.object} · {r.context}", style="bold"))
        t.append("\n")
        for label, total, per_s, size in (("reads", r.reads, obj.reads_per_s, r.read_bytes),
                                          ("writes", r.writes, obj.writes_per_s, r.write_bytes),
                                          ("extends", r.extends, obj.extends_per_s, None),
                                          ("hits", r.hits, obj.hits_per_s, None),
                                          ("evictions", r.evictions, obj.evictions_per_s, None),
                                          ("fsyncs", r.fsyncs, obj.fsyncs_per_s, None)):
            _line(t, label, f"{fmt.num(total)} total" + (f" ({fmt.bytes_(size)})" if size else "")
                  + (f", {fmt.num(per_s, 1)}/s now" if per_s is not None else ""))
        _line(t, "time", f"read {fmt.ms(r.read_ms)}  write {fmt.ms(r.write_ms)}  fsync {fmt.ms(r.fsync_ms)}")
    elif isinstance(obj, tuple) and len(obj) == 4:
        figure, value, interval, note = obj
        t.append(figure + "\n", style="bold")
        t.append_text(value)
        t.append("   ")
        t.append_text(interval)
        t.append("\n")
        t.append_text(note)
    elif isinstance(obj, tuple):
        kind, r = obj
        st = r.status
        if kind == "receiver":
            t.append("WAL receiver\n", style="bold")
            _line(t, "status", srv(st.receiver_status or "not running (no row in pg_stat_wal_receiver)"))
            _line(t, "from", srv(f"{st.sender_host}:{st.sender_port}" if st.sender_host else "-"))
            _line(t, "slot", srv(st.receiver_slot or "none"))
            _line(t, "last message", f"{fmt.duration(st.receiver_last_msg_age_s)} ago")
            if r.not_streaming_s is not None:
                _line(t, "not streaming", Text(f"for {fmt.duration(r.not_streaming_s)} (as seen here)",
                                               style="bold red"))
        else:
            t.append("replay\n", style="bold")
            _line(t, "received / replayed", srv(f"{st.receive_lsn or '-'} / {st.replay_lsn or '-'}"))
            _line(t, "to replay", fmt.bytes_(st.replay_pending_bytes))
            _line(t, "last replayed xact", f"committed {fmt.duration(st.replay_age_s)} ago on the primary")
            if r.caught_up:
                t.append("everything received is replayed: a growing age means the primary is idle, not a delay",
                         style="green")
            _line(t, "pause state", srv(st.replay_pause_state or "-"))
    return t


def finding_row(f) -> tuple[str, str | None]:
    """(mode, row key) of pane 7 that a finding is about."""
    ev = f.evidence
    if f.check == "inactive_replication_slot":
        return "links", f"slot:{ev.get('slot_name')}"
    if f.check == "replication_lag":
        return "links", f"standby:{ev['pid']}" if "pid" in ev else "replay"
    if f.check == "standby_not_streaming":
        return "links", "receiver"
    if f.check in ("archive_failing", "checkpoints_too_frequent"):
        return "wal", "archiver" if f.check == "archive_failing" else "checkpoints"
    if f.check == "xmin_horizon_held":
        return "horizon", f"{ev.get('holder_kind')}:{ev.get('holder')}"
    if f.check == "autovacuum_falling_behind":
        tables = ev.get("tables") or []
        return "autovacuum", f"table:{tables[0]['relid']}" if tables and "relid" in tables[0] else None
    return "links", None
