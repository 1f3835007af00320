"""Checks over replication, WAL and what holds vacuum back (the views of pane 7).

Server-wide like the session checks: a forgotten slot fills the disk of every database,
archiving fails for the whole cluster. The horizon check is about this database's tables:
only holders that keep *its* dead rows (its sessions and prepared transactions, physical
slots, standbys' feedback) are named, with the dead rows its tables hold.
"""

from __future__ import annotations

from ..fmt import bytes_, duration
from ..replication_derive import dead_rows_waiting, dead_tables
from ..replication_snapshots import Autovacuum, Horizon, HorizonHolder, Replication, Standby, Wal
from .inputs import CheckInputs
from .model import Check, CheckUnavailable, Finding, Thresholds, display_name
from .replication_ids import REPLICATION_CHECK_IDS


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def inactive_replication_slot(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    repl: Replication = inp.view("replication")
    out = []
    for s in repl.slots:
        if s.active or s.temporary:
            continue
        kept = s.retained_bytes or 0
        lost = s.wal_status in ("unreserved", "lost")
        idle_long = s.inactive_s is not None and s.inactive_s >= th.slot_inactive_s
        if not (lost or idle_long or kept >= th.slot_inactive_min_bytes):
            continue
        severity = "critical" if lost or kept >= th.slot_retained_critical_bytes else "warning"
        kind = f"logical, {s.plugin}" if s.slot_type == "logical" else s.slot_type
        evidence = {"slot_name": s.slot_name, "slot_type": s.slot_type, "plugin": s.plugin, "database": s.database,
                    "retained_bytes": s.retained_bytes, "restart_lsn": s.restart_lsn, "wal_status": s.wal_status,
                    "safe_wal_size": s.safe_wal_size, "inactive_s": _r(s.inactive_s),
                    "xmin_age": s.xmin_age, "catalog_xmin_age": s.catalog_xmin_age,
                    "invalidation_reason": s.invalidation_reason}
        drop = f"SELECT pg_drop_replication_slot({_lit(s.slot_name)});"
        if s.wal_status == "lost":
            remedy = f"{drop}  -- the WAL it needed is gone: its consumer must start over from a new copy"
        elif s.slot_type == "logical":
            remedy = (f"start its consumer (the subscription or pg_recvlogical reading it); if nobody will: {drop}  "
                      "-- and cap what a slot may keep: ALTER SYSTEM SET max_slot_wal_keep_size = '10GB';")
        else:
            remedy = (f"start the standby that streams through it; if it is gone for good: {drop}  "
                      "-- and cap what a slot may keep: ALTER SYSTEM SET max_slot_wal_keep_size = '10GB';")
        since = f", inactive for {duration(s.inactive_s)}" if s.inactive_s is not None else ""
        status = f" (wal_status {s.wal_status})" if lost else ""
        out.append(Finding(
            "inactive_replication_slot", severity, f"slot {s.slot_name}",
            f"replication slot {s.slot_name} ({kind}) is not in use and keeps {bytes_(kept)} of WAL on this "
            f"server{since}{status}", evidence, remedy))
    return out


def _lag_severity(nbytes: float | None, secs: float | None, th: Thresholds) -> str | None:
    b, s = nbytes or 0, secs or 0
    if b >= th.replication_lag_critical_bytes or s >= th.replication_lag_critical_s:
        return "critical"
    if b >= th.replication_lag_bytes or s >= th.replication_lag_s:
        return "warning"
    return None


def _standby_name(s: Standby) -> str:
    who = s.application_name or str(s.pid)
    return f"subscriber {who}" if s.logical else f"standby {who}"


def replication_lag(inp: CheckInputs, th: Thresholds) -> tuple[list[Finding], str | None]:
    repl: Replication = inp.view("replication")
    out = []
    hidden = sum(1 for s in repl.standbys if s.state is None)   # pg_stat_replication without pg_read_all_stats
    note = f"{hidden} standby(s) not judged: {repl.limited}" if hidden and repl.limited else None
    for s in repl.standbys:
        if s.state == "backup":
            continue   # pg_basebackup streaming a copy: no replay to measure
        severity = _lag_severity(s.replay_lag_bytes, s.replay_lag_s, th)
        if severity is None:
            continue
        name = _standby_name(s)
        evidence = {"pid": s.pid, "application_name": s.application_name, "client": s.client_addr,
                    "state": s.state, "sync_state": s.sync_state, "slot_name": s.slot_name,
                    "sent_lag_bytes": s.sent_lag_bytes, "flush_lag_bytes": s.flush_lag_bytes,
                    "replay_lag_bytes": s.replay_lag_bytes, "replay_lag_s": _r(s.replay_lag_s),
                    "reply_age_s": _r(s.reply_age_s),
                    "measured": "bytes from this server's WAL position; time from pg_stat_replication "
                                "(NULL while no WAL moves, not a lag)"}
        where = "sending" if (s.sent_lag_bytes or 0) >= (s.replay_lag_bytes or 0) / 2 else "replaying on the standby"
        out.append(Finding(
            "replication_lag", severity, name,
            f"{name} is {bytes_(s.replay_lag_bytes)} behind"
            + (f" ({duration(s.replay_lag_s)})" if s.replay_lag_s else "") + f"; most of it is in {where}",
            evidence,
            "on the standby: SELECT * FROM pg_stat_wal_receiver; look for replay conflicts or a paused replay "
            "(SELECT pg_get_wal_replay_pause_state();), and its disk and CPU; here: the network to it"))
    st = repl.status
    if st.is_standby and not repl.caught_up and repl.caught_up is not None:
        severity = _lag_severity(st.replay_pending_bytes, st.replay_age_s, th)
        paused = st.replay_pause_state not in (None, "not paused")
        if severity is not None:
            evidence = {"receive_lsn": st.receive_lsn, "replay_lsn": st.replay_lsn,
                        "replay_pending_bytes": st.replay_pending_bytes, "replay_age_s": _r(st.replay_age_s),
                        "replay_pause_state": st.replay_pause_state, "receiver_status": st.receiver_status}
            remedy = ("SELECT pg_wal_replay_resume();  -- replay is paused" if paused else
                      "replay is slower than the primary writes: look for long queries in conflict with replay "
                      "(pg_stat_database_conflicts), and this server's disk and CPU")
            out.append(Finding(
                "replication_lag", severity, "this standby",
                f"this standby has {bytes_(st.replay_pending_bytes)} of received WAL not replayed yet"
                + (" (replay is paused)" if paused else ""), evidence, remedy))
    return out, note


def standby_not_streaming(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    repl: Replication = inp.view("replication")
    st = repl.status
    if not st.is_standby or repl.not_streaming_s is None or repl.not_streaming_s < th.standby_not_streaming_s:
        return []
    severity = "critical" if repl.not_streaming_s >= th.replication_lag_critical_s else "warning"
    evidence = {"receiver_status": st.receiver_status, "sender_host": st.sender_host, "sender_port": st.sender_port,
                "receiver_slot": st.receiver_slot, "last_msg_age_s": _r(st.receiver_last_msg_age_s),
                "not_streaming_s": _r(repl.not_streaming_s), "replay_age_s": _r(st.replay_age_s),
                "measured": "since this session first saw the WAL receiver not streaming"}
    state = f"its WAL receiver is {st.receiver_status}" if st.receiver_status else "no WAL receiver is running"
    return [Finding(
        "standby_not_streaming", severity, "this standby",
        f"this standby is not streaming from its primary: {state} (for at least {duration(repl.not_streaming_s)})",
        evidence,
        "read this server's log for the WAL receiver's error; SHOW primary_conninfo; the primary needs a "
        "'replication' line in pg_hba.conf for it, and the WAL it asks for must still exist there (a slot keeps it)")]


def archive_failing(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    wal: Wal = inp.view("wal")
    r = wal.row
    if r.archive_mode == "off" or not wal.archive_failing:
        return []
    never = r.last_archived_age_s is None
    severity = ("critical" if r.last_archived_age_s is None or r.last_archived_age_s >= th.archive_failing_critical_s
                else "warning")   # None: never archived
    evidence = {"archive_mode": r.archive_mode, "archive_command": r.archive_command, "failed_count": r.failed_count,
                "last_failed_wal": r.last_failed_wal, "last_failed_age_s": _r(r.last_failed_age_s),
                "archived_count": r.archived_count, "last_archived_wal": r.last_archived_wal,
                "last_archived_age_s": _r(r.last_archived_age_s), "segments_waiting": r.archive_ready,
                "failed_in_interval": wal.failed_delta}
    last = "nothing was ever archived" if never else f"the last success was {duration(r.last_archived_age_s)} ago"
    waiting = f"; {r.archive_ready} WAL segments wait in pg_wal" if r.archive_ready else ""
    return [Finding(
        "archive_failing", severity, "archiver",
        f"WAL archiving is failing: {r.failed_count:,} failures, the last on {r.last_failed_wal} "
        f"{duration(r.last_failed_age_s)} ago; {last}{waiting}",
        evidence,
        "read the server log for archive_command's error and fix the command (it must exit 0 only once the "
        "file is safely stored): SHOW archive_command; until then backups miss this WAL and pg_wal grows")]


def _holder_object(h: HorizonHolder) -> str:
    if h.kind == "session":
        return f"pid {h.pid}"
    if h.kind == "prepared":
        return f"prepared transaction {h.holder}"
    return f"{h.kind} {h.holder}"


def _holder_remedy(h: HorizonHolder) -> str:
    if h.kind == "session":
        if (h.state or "").startswith("idle in transaction"):
            return f"SELECT pg_terminate_backend({h.pid});  -- idle in a transaction: only ending it releases the horizon"
        return f"SELECT pg_cancel_backend({h.pid});  -- if it is idle in a transaction after: pg_terminate_backend({h.pid})"
    if h.kind == "prepared":
        where = f"in database {h.database}: " if h.database else ""
        return f"{where}COMMIT PREPARED {_lit(h.holder)};  -- or ROLLBACK PREPARED {_lit(h.holder)};"
    if h.kind == "slot":
        if not h.active:
            return f"SELECT pg_drop_replication_slot({_lit(h.holder)});  -- if its standby is gone for good"
        return "the standby streaming through it reports an old query (hot_standby_feedback): end that query there"
    return (f"on standby {h.holder}: find and cancel the old query there (SELECT pid, age(backend_xmin), query FROM "
            "pg_stat_activity WHERE backend_xmin IS NOT NULL ORDER BY 2 DESC;), or turn hot_standby_feedback off "
            "(long standby queries are then cancelled instead)")


def xmin_horizon_held(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    horizon: Horizon = inp.view("horizon")
    frame = inp.frame
    av_view = getattr(frame, "autovacuum", None)
    av = av_view if isinstance(av_view, Autovacuum) else None
    bloat = getattr(frame, "bloat", None)
    if not hasattr(bloat, "tables") and av is None:
        raise CheckUnavailable("needs the bloat or the autovacuum view to count the dead rows")
    tables = dead_tables(bloat, av, inp.now)
    out = []
    for h in horizon.affecting(inp.database):
        old = (h.xmin_age or 0) >= th.xmin_horizon_xids
        long = h.held_s is not None and h.held_s >= th.xmin_horizon_s
        if not (old or long):
            continue
        waiting = dead_rows_waiting(Horizon((h,), inp.database), tables) or {}
        dead = waiting.get("dead_rows", 0)
        if dead < th.xmin_horizon_min_dead_rows:
            continue
        severity = "critical" if (h.xmin_age or 0) >= th.xmin_horizon_critical_xids else "warning"
        evidence = {"holder_kind": h.kind, "holder": h.holder, "pid": h.pid, "xmin_age": h.xmin_age,
                    "held_s": _r(h.held_s), "state": h.state, "database": h.database, "user": h.user_name,
                    "application": h.application_name, "detail": h.detail, **waiting,
                    "measured": "dead rows: n_dead_tup of this database's tables (the Bloat pane's); those "
                                "'left by vacuum' are in tables vacuumed since the holder began"}
        held = f" for {duration(h.held_s)}" if h.held_s is not None else ""
        left = waiting.get("dead_rows_left_by_vacuum")
        left_txt = f" ({left:,} of them in tables vacuum went through and had to leave them)" if left else ""
        out.append(Finding(
            "xmin_horizon_held", severity, _holder_object(h),
            f"{h.label} has held the xmin horizon {h.xmin_age or 0:,} transactions back{held}: vacuum cannot "
            f"remove rows that died since; {inp.database}'s tables hold {dead:,} dead rows{left_txt}",
            evidence, _holder_remedy(h)))
    return out


def checkpoints_too_frequent(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    wal: Wal = inp.view("wal")
    r = wal.row
    timed = r.checkpoints_timed + (r.restartpoints_timed or 0)
    requested = r.checkpoints_requested + (r.restartpoints_requested or 0)
    total = timed + requested
    if total < th.checkpoint_min_count or not total:
        return []
    # a requested checkpoint is also CHECKPOINT, DROP DATABASE or a base backup: only as many as the
    # WAL written can explain (one per half of max_wal_size, about when the server asks) are
    # counted against max_wal_size. Before 14 the WAL position since initdb bounds it from above.
    written = r.wal_bytes if r.wal_bytes is not None else r.lsn_bytes
    by_wal = min(requested, int((written or 0) / max(r.max_wal_size_bytes / 2, 1)))
    if by_wal / total < th.checkpoint_requested_share:
        return []
    every = r.stats_age_s / total if r.stats_age_s else None
    mb = r.max_wal_size_bytes // (1024 * 1024)
    suggest = f"{mb * 4 // 1024}GB" if mb * 4 >= 1024 else f"{mb * 4}MB"
    evidence = {"checkpoints_timed": timed, "checkpoints_requested": requested,
                "requested_by_wal_volume": by_wal, "requested_share": round(requested / total, 4),
                "wal_bytes": written, "seconds_between_checkpoints": _r(every, 1),
                "checkpoint_timeout_s": r.checkpoint_timeout_s, "max_wal_size_bytes": r.max_wal_size_bytes,
                "write_ms": r.checkpoint_write_ms, "sync_ms": r.checkpoint_sync_ms,
                "statistics_since_s": _r(r.stats_age_s, 0),
                "measured": "cumulative since the checkpoint statistics were reset or the server started; "
                            "requested checkpoints the WAL volume cannot explain (CHECKPOINT, DROP DATABASE, "
                            "base backups) are not counted against max_wal_size"}
    return [Finding(
        "checkpoints_too_frequent", "warning", "checkpoints",
        f"{requested:,} of {total:,} checkpoints were requested rather than timed"
        + (f" (one every {duration(every)}, checkpoint_timeout is {duration(r.checkpoint_timeout_s)})" if every else "")
        + f": WAL outgrows max_wal_size ({bytes_(r.max_wal_size_bytes)})",
        evidence,
        f"ALTER SYSTEM SET max_wal_size = '{suggest}'; SELECT pg_reload_conf();  -- fewer checkpoints, fewer "
        "full-page images")]


def autovacuum_falling_behind(inp: CheckInputs, th: Thresholds) -> list[Finding]:
    av: Autovacuum = inp.view("autovacuum")
    st = av.settings
    behind = [n for n in av.due() if n.over_s is not None and n.over_s >= th.autovacuum_behind_s]
    if not behind or (st.autovacuum and not av.all_busy):
        return []
    severity = "critical" if any(n.table.due == "wraparound" for n in behind) else "warning"
    evidence = {
        "autovacuum": st.autovacuum, "workers_busy": st.workers_busy, "max_workers": st.max_workers,
        "naptime_s": st.naptime_s,
        "tables": [{"table": display_name(n.table.schemaname, n.table.relname), "relid": n.table.relid,
                    "due": n.table.due,
                    "dead_rows": n.table.n_dead_tup, "vacuum_threshold": round(n.table.vacuum_threshold),
                    "inserted": n.table.n_ins_since_vacuum,
                    "insert_threshold": None if n.table.insert_threshold is None else round(n.table.insert_threshold),
                    "due_for_s": _r(n.over_s, 1), "since_vacuum_s": _r(n.table.since_vacuum_s, 0),
                    "reloptions": n.table.reloptions} for n in behind[:10]],
        "workers": [{"pid": w.pid, "database": w.database, "table": w.target, "phase": w.phase,
                     "running_s": _r(w.running_s, 1), "wraparound": w.wraparound} for w in av.workers],
        "measured": "due: over the table's own threshold (reloptions first); for how long: as seen by this session",
    }
    names = ", ".join(display_name(n.table.schemaname, n.table.relname) for n in behind[:3])
    more = f" and {len(behind) - 3} more" if len(behind) > 3 else ""
    if not st.autovacuum:
        why, remedy = "autovacuum is off", "ALTER SYSTEM SET autovacuum = on; SELECT pg_reload_conf();"
    else:
        why = f"all {st.max_workers} autovacuum workers are busy"
        remedy = ("let each worker do more: ALTER SYSTEM SET autovacuum_vacuum_cost_limit = 2000; SELECT "
                  "pg_reload_conf();  -- and add workers: ALTER SYSTEM SET autovacuum_max_workers = "
                  f"{st.max_workers + 2};  (a restart before 18); a worker stuck on one huge table: VACUUM it by hand")
    return [Finding(
        "autovacuum_falling_behind", severity, inp.database,
        f"{len(behind)} table(s) have been due for autovacuum for over {duration(th.autovacuum_behind_s)} "
        f"({names}{more}) and {why}", evidence, remedy)]


# check id -> (function, what it reads); registered in engine.CHECKS
CHECKS: dict[str, tuple[Check, str]] = {
    "inactive_replication_slot": (inactive_replication_slot, "replication"),
    "replication_lag": (replication_lag, "replication"),
    "standby_not_streaming": (standby_not_streaming, "replication"),
    "archive_failing": (archive_failing, "wal"),
    "xmin_horizon_held": (xmin_horizon_held, "horizon"),
    "checkpoints_too_frequent": (checkpoints_too_frequent, "wal"),
    "autovacuum_falling_behind": (autovacuum_falling_behind, "autovacuum"),
}
assert tuple(CHECKS) == REPLICATION_CHECK_IDS
