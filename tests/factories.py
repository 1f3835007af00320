"""Canned snapshot rows for unit and snapshot tests (no server)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from pgconsole.snapshots import Backend, OverviewRow, StatementRow

T0 = datetime(2026, 11, 22, 12, 0, 0, tzinfo=timezone.utc)


def backend(pid: int, **kw) -> Backend:
    base = dict(pid=pid, usename="app", datname="shop", application_name="web", client_addr="10.0.0.5",
                client_port=50000 + pid % 1000, backend_type="client backend", state="active",
                wait_event_type=None, wait_event=None, backend_age_s=300.0, xact_age_s=2.0,
                query_age_s=1.0, state_age_s=1.0, query=f"SELECT {pid}", query_id=None, leader_pid=None,
                is_self=False, xmin_age=None)
    base.update(kw)
    return Backend(**base)


def overview_row(t: datetime = T0, **kw) -> OverviewRow:
    base = dict(version="18.6", version_num=180006, started_at=T0 - timedelta(days=3), sampled_at=t,
                is_standby=False, current_database="shop", max_connections=100, reserved_connections=3,
                connections_used=20, xact_commit=1000, xact_rollback=10, tup_returned=50000,
                tup_fetched=20000, tup_inserted=300, tup_updated=200, tup_deleted=100, blks_read=100,
                blks_hit=9900, temp_bytes=0, temp_files=0, deadlocks=0, checkpoints_timed=5,
                checkpoints_requested=1, checkpoint_buffers_written=1000, stats_reset_epoch=None)
    base.update(kw)
    return OverviewRow(**base)


def statement_row(queryid: int, **kw) -> StatementRow:
    base = dict(queryid=queryid, userid=10, dbid=5, toplevel=True, usename="app", datname="shop", calls=100,
                total_exec_ms=1000.0, mean_exec_ms=10.0, max_exec_ms=50.0, stddev_exec_ms=3.0,
                total_plan_ms=0.0, rows=100, shared_blks_hit=900, shared_blks_read=100,
                shared_blks_dirtied=0, shared_blks_written=0, temp_blks_read=0, temp_blks_written=0,
                io_read_ms=5.0, io_write_ms=0.0)
    base.update(kw)
    return StatementRow(**base)


__all__ = ["backend", "overview_row", "statement_row", "replace", "T0", "timedelta"]
