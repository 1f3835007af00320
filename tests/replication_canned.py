"""Canned snapshots of pane 7's views (no server): a primary with a lagging standby, an unused
logical slot, a failing archiver, horizon holders and a busy autovacuum; a standby variant."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from pgconsole.replication_snapshots import (
    Autovacuum, AutovacuumNext, AutovacuumSettings, AutovacuumTable, AutovacuumWorker, DatabaseConflicts, Horizon,
    HorizonHolder, Io, IoRow, IoStat, Replication, ReplicationStatus, Slot, Standby, Wal, WalRow,
)

MB = 1024 * 1024
T0 = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
ODD = "weird[bold]\x1b[31mname"   # markup and an escape sequence, as a server may send them


def status(**kw) -> ReplicationStatus:
    base = dict(is_standby=False, current_lsn="0/9000000", receive_lsn=None, replay_lsn=None,
                replay_pending_bytes=None, replay_age_s=None, replay_pause_state=None, receiver_pid=None,
                receiver_status=None, sender_host=None, sender_port=None, receiver_slot=None,
                receiver_last_msg_age_s=None, hot_standby_feedback=False, primary_conninfo_set=None, standbys=1, slots=1, subscriptions=0)
    base.update(kw)
    return ReplicationStatus(**base)


def standby(**kw) -> Standby:
    base = dict(pid=4242, usename="replicator", application_name="standby1", client_addr="10.0.0.2", client_port=5432,
                state="streaming", sync_state="async", slot_name=None, slot_type=None, sent_lsn="0/9000000",
                replay_lsn="0/5000000", sent_lag_bytes=0, write_lag_bytes=0, flush_lag_bytes=0,
                replay_lag_bytes=64 * MB, write_lag_s=0.1, flush_lag_s=0.1, replay_lag_s=90.0, xmin_age=1500,
                reply_age_s=0.5, connected_s=3600.0)
    base.update(kw)
    return Standby(**base)


def slot(**kw) -> Slot:
    base = dict(slot_name=ODD, slot_type="logical", plugin="test_decoding", database="shop", temporary=False,
                active=False, active_pid=None, xmin_age=None, catalog_xmin_age=900, restart_lsn="0/1000000",
                retained_bytes=128 * MB, confirmed_lag_bytes=128 * MB, wal_status="reserved", safe_wal_size=None,
                inactive_s=7200.0, invalidation_reason=None)
    base.update(kw)
    return Slot(**base)


def replication(**kw) -> Replication:
    base = dict(status=status(), standbys=(standby(),), slots=(slot(),), subscriptions=(), conflicts=())
    base.update(kw)
    return Replication(**base)


def standby_replication(streaming: bool = True, pending: int = 0, replay_age_s: float = 600.0) -> Replication:
    st = status(is_standby=True, current_lsn="0/9000000", receive_lsn="0/9000000", replay_lsn="0/9000000",
                replay_pending_bytes=pending, replay_age_s=replay_age_s, replay_pause_state="not paused",
                receiver_pid=77 if streaming else None, receiver_status="streaming" if streaming else None,
                sender_host="primary.internal" if streaming else None, sender_port=5432 if streaming else None,
                receiver_last_msg_age_s=0.2 if streaming else None, hot_standby_feedback=True, standbys=0, slots=0)
    return Replication(status=st, standbys=(), slots=(), subscriptions=(),
                       conflicts=(DatabaseConflicts("shop", 0, 1, 3, 0, 0, 0, 4),),
                       not_streaming_s=None if streaming else 120.0)


def wal_row(**kw) -> WalRow:
    base = dict(is_standby=False, lsn_bytes=150994944, wal_records=1000, wal_fpi=100, wal_bytes=40 * 1024 * MB,
                wal_buffers_full=0, checkpoints_timed=3, checkpoints_requested=30, restartpoints_timed=0,
                restartpoints_requested=0, checkpoint_write_ms=1200.0, checkpoint_sync_ms=40.0, checkpoint_buffers=900,
                checkpoint_stats_reset=T0 - timedelta(days=1), checkpoint_timeout_s=300.0,
                max_wal_size_bytes=1024 * MB, archive_mode="on", archive_command="cp %p /nowhere/%f",
                archived_count=10, last_archived_wal="000000010000000000000004", last_archived_age_s=7200.0,
                failed_count=5, last_failed_wal="000000010000000000000005", last_failed_age_s=30.0,
                archiver_stats_reset=T0 - timedelta(days=1), archive_ready=3, stats_age_s=86400.0)
    base.update(kw)
    return WalRow(**base)


def wal(**kw) -> Wal:
    return Wal(row=wal_row(**kw), interval_s=2.0, wal_bytes_per_s=1.5 * MB, records_per_s=500.0, fpi_per_s=20.0,
               buffers_full_delta=0, checkpoints_timed_delta=0, checkpoints_requested_delta=1, archived_delta=0,
               failed_delta=1)


def holder(kind: str, name: str, **kw) -> HorizonHolder:
    base = dict(kind=kind, holder=name, pid=None, xmin_age=20_000_000, held_s=5400.0, state=None, database="shop",
                user_name="app", application_name=None, detail=None, catalog_only=False, active=None)
    base.update(kw)
    return HorizonHolder(**base)


def horizon() -> Horizon:
    return Horizon(holders=(
        holder("prepared", "tx-[42]", xmin_age=30_000_000, state="prepared"),
        holder("session", "555", pid=555, state="idle in transaction", detail="SELECT *\nFROM orders FOR UPDATE"),
        holder("slot", ODD, xmin_age=900, held_s=7200.0, state="inactive", detail="logical test_decoding",
               catalog_only=True, active=False),
        holder("session", "777", pid=777, database="other", state="active", detail="SELECT 1"),
    ), database="shop")


def av_table(relid: int, name: str, dead: int, threshold: float = 1000.0, **kw) -> AutovacuumTable:
    base = dict(relid=relid, schemaname="public", relname=name, enabled=True, reltuples=5000.0, n_live_tup=5000,
                n_dead_tup=dead, vacuum_threshold=threshold, n_ins_since_vacuum=10, insert_threshold=2000.0,
                n_mod_since_analyze=dead, analyze_threshold=550.0, xid_age=1000, freeze_max_age=200_000_000,
                last_vacuum=None, last_autovacuum=T0 - timedelta(hours=3), since_vacuum_s=3 * 3600.0, reloptions=None)
    base.update(kw)
    return AutovacuumTable(**base)


def autovacuum(busy: int = 1, over_s: float = 1200.0) -> Autovacuum:
    return Autovacuum(
        settings=AutovacuumSettings(autovacuum=True, track_counts=True, max_workers=1, naptime_s=60.0, workers_busy=busy),
        workers=(AutovacuumWorker(pid=900, database="shop", query="autovacuum: VACUUM public.huge (to prevent wraparound)",
                                  running_s=4000.0, phase="scanning heap", heap_blks_total=1000, heap_blks_scanned=250,
                                  index_vacuum_count=0, relation="huge"),) if busy else (),
        tables=(AutovacuumNext(av_table(10, "orders", 50_000), over_s),
                AutovacuumNext(av_table(11, "quiet", 10), None)))


def io() -> Io:
    row = IoRow("client backend", "relation", "normal", 100, 819200, 12.0, 5, 40960, 1.0, 0, 2, 10_000, 3, None, 0, 0.0)
    return Io(rows=(IoStat(row, 10.0, 0.5, 0.2, 1000.0, 0.3, 0.0, 1.2, 0.1),), interval_s=2.0, timing=True)


def with_views(frame, **views):
    """A canned frame of the console's tests with pane 7's views added."""
    base = dict(replication=replication(), wal=wal(), io=io(), horizon=horizon(), autovacuum=autovacuum())
    base.update(views)
    return replace(frame, **base)
