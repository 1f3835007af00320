"""Pane 7's data without a server: derivations from two samples, what the snapshots work out,
the edge cases of the seven checks (an idle primary is not a lagging one), the JSON shape."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pgconsole import replication_derive as rd
from pgconsole.findings import evaluate
from pgconsole.findings.model import Thresholds
from pgconsole.findings.replication_ids import REPLICATION_CHECK_IDS
from pgconsole.replication_snapshots import AutovacuumSettings, Horizon, IoRow
from pgconsole.serialize import frame_json
from pgconsole.snapshots import Unavailable
from pgconsole.ui.widgets.findings import caps_from_frame
from replication_canned import (
    MB, ODD, autovacuum, av_table, holder, horizon, replication, slot, standby, standby_replication, wal, wal_row,
    with_views,
)
from ui_canned import frames

BASE = frames(2)[-1]


def run_checks(frame, th: Thresholds = Thresholds()):
    result = evaluate(frame, None, caps_from_frame(frame), th, only=REPLICATION_CHECK_IDS)
    return {(f.check, f.object): f for f in result.findings}, {s.check: s for s in result.checks}


# -- derivations -----------------------------------------------------------------------------
def test_wal_rates_come_from_two_samples_and_a_reset_starts_over():
    a = wal_row(lsn_bytes=1000, wal_records=10, checkpoints_requested=5, failed_count=1)
    b = wal_row(lsn_bytes=5000, wal_records=30, checkpoints_requested=6, failed_count=3)
    w = rd.wal(b, a, 2.0)
    assert (w.wal_bytes_per_s, w.records_per_s, w.checkpoints_requested_delta, w.failed_delta) == (2000, 10, 1, 2)
    assert rd.wal(b, None, None).wal_bytes_per_s is None
    reset = replace(b, checkpoint_stats_reset=b.checkpoint_stats_reset.replace(year=2027))
    assert rd.wal(reset, a, 2.0).interval_s is None        # statistics reset: no interval to speak of
    promoted = replace(b, is_standby=True)
    assert rd.wal(promoted, a, 2.0).wal_bytes_per_s is None


def test_io_rates_by_row_new_rows_from_zero_and_resets_give_none():
    def row(ctx: str, reads: int) -> IoRow:
        return IoRow("client backend", "relation", ctx, reads, None, None, 0, None, None, 0, 0, 0, 0, None, 0, 0.0)
    first = rd.io([row("normal", 100)], None, None, True)
    assert first.interval_s is None and first.rows[0].reads_per_s is None
    prev = {r.key: r for r in (row("normal", 100),)}
    io = rd.io([row("normal", 160), row("bulkread", 40), row("vacuum", 5)], prev, 2.0, True)
    by = {s.row.context: s for s in io.rows}
    assert by["normal"].reads_per_s == 30 and by["bulkread"].reads_per_s == 20      # new: counted from zero
    assert [s.row.context for s in io.rows] == ["normal", "bulkread", "vacuum"]     # busiest first
    assert rd.io([row("normal", 10)], prev, 2.0, True).rows[0].reads_per_s is None  # went backwards: a reset


def test_since_remembers_when_a_state_began_and_forgets_it_after():
    seen: dict = {}
    assert rd.since(seen, "k", 100.0, True) == 0.0
    assert rd.since(seen, "k", 130.0, True) == 30.0
    assert rd.since(seen, "k", 131.0, False) is None and "k" not in seen
    av = rd.autovacuum(AutovacuumSettings(True, True, 3, 60.0, 3), (), (av_table(1, "a", 5000),), {}, 10.0)
    assert av.tables[0].over_s == 0.0 and av.all_busy


def test_due_reasons_follow_autovacuums_own_rules():
    assert av_table(1, "t", 1001).due == "dead rows"
    assert av_table(1, "t", 999).due is None
    assert av_table(1, "t", 0, n_ins_since_vacuum=2001).due == "inserts"
    assert av_table(1, "t", 0, n_ins_since_vacuum=10**9, insert_threshold=None).due is None   # insert vacuum off
    assert av_table(1, "t", 10**6, enabled=False).due is None                                # autovacuum_enabled off
    assert av_table(1, "t", 0, enabled=False, xid_age=3 * 10**8).due == "wraparound"          # ... but not for this


def test_horizon_holders_that_hold_back_this_database():
    h = horizon()
    kinds = {(x.kind, x.holder) for x in h.affecting()}
    assert ("prepared", "tx-[42]") in kinds and ("session", "555") in kinds
    assert ("session", "777") not in kinds          # another database's session: its own horizon only
    assert ("slot", ODD) not in kinds               # catalog_xmin: catalogs only
    assert h.oldest.holder == "tx-[42]"
    tables = rd.dead_tables(BASE.bloat, None, BASE.sampled_at)
    waiting = rd.dead_rows_waiting(h, tables)
    assert waiting["dead_rows"] == 1_820_000 and waiting["tables_with_dead_rows"] == 2
    # vacuumed since the holder began (40 minutes ago, it has held for 90): those dead rows were left behind
    assert waiting["dead_rows_left_by_vacuum"] == 20_000
    assert rd.dead_rows_waiting(Horizon((), "shop"), tables) is None


def test_archiver_failing_only_while_the_last_attempt_failed():
    assert wal(last_failed_age_s=30.0, last_archived_age_s=7200.0).archive_failing
    assert not wal(last_failed_age_s=7200.0, last_archived_age_s=30.0).archive_failing
    assert wal(last_archived_age_s=None, last_archived_wal=None).archive_failing
    assert not wal(failed_count=0, last_failed_age_s=None).archive_failing


# -- checks: planted conditions and their healthy twins, as snapshots ------------------------------
def test_every_check_fires_on_the_canned_primary():
    frame = with_views(BASE)
    found, statuses = run_checks(frame)
    assert all(statuses[c].ran for c in REPLICATION_CHECK_IDS), statuses
    assert found[("inactive_replication_slot", f"slot {ODD}")].severity == "warning"   # 128 MB, under 10 GB
    assert found[("replication_lag", "standby standby1")].severity == "warning"         # 90 s: over 60, under 600
    assert found[("archive_failing", "archiver")].severity == "critical"                 # last success 2 h ago
    assert {o for c, o in found if c == "xmin_horizon_held"} == {"prepared transaction tx-[42]", "pid 555"}
    assert found[("checkpoints_too_frequent", "checkpoints")].evidence["requested_share"] == round(30 / 33, 4)
    behind = found[("autovacuum_falling_behind", "shop")]
    assert behind.evidence["tables"][0]["relid"] == 10 and behind.evidence["workers"][0]["wraparound"]


def test_idle_primary_and_caught_up_standby_are_not_lagging():
    idle = replication(standbys=(standby(replay_lag_bytes=0, replay_lag_s=None),))
    found, _ = run_checks(with_views(BASE, replication=idle))
    assert not [k for k in found if k[0] == "replication_lag"]
    # a standby that has replayed all it received: a day-old last transaction means an idle primary
    calm = standby_replication(pending=0, replay_age_s=86400.0)
    assert calm.caught_up
    found, _ = run_checks(with_views(BASE, replication=calm))
    assert not [k for k in found if k[0] in ("replication_lag", "standby_not_streaming")]
    behind = standby_replication(pending=200 * MB, replay_age_s=300.0)
    found, _ = run_checks(with_views(BASE, replication=behind))
    assert found[("replication_lag", "this standby")].severity == "warning"


def test_standbys_hidden_from_the_role_are_said_not_judged():
    hidden = replication(standbys=(standby(state=None, replay_lag_bytes=None, replay_lag_s=None),),
                         limited="standbys' positions ... are hidden from this role: GRANT pg_read_all_stats TO x;")
    found, statuses = run_checks(with_views(BASE, replication=hidden))
    assert not [k for k in found if k[0] == "replication_lag"]
    assert "1 standby(s) not judged" in statuses["replication_lag"].reason and "GRANT" in statuses["replication_lag"].reason


def test_standby_cut_off_from_its_primary():
    found, _ = run_checks(with_views(BASE, replication=standby_replication(streaming=False)))
    f = found[("standby_not_streaming", "this standby")]
    assert f.evidence["receiver_status"] is None and "no WAL receiver" in f.message


def test_slot_severity_by_wal_status_and_size():
    def sev(**kw):
        found, _ = run_checks(with_views(BASE, replication=replication(slots=(slot(**kw),))))
        return next((f.severity for (c, _), f in found.items() if c == "inactive_replication_slot"), None)
    assert sev(wal_status="lost") == "critical"
    assert sev(retained_bytes=20 * 1024 * MB) == "critical"
    assert sev(retained_bytes=1 * MB, inactive_s=10.0) is None           # small and just let go
    assert sev(retained_bytes=1 * MB, inactive_s=None) is None           # before 17: size only
    assert sev(active=True, active_pid=9) is None
    assert sev(temporary=True) is None


def test_healthy_twins_of_the_other_checks():
    calm = with_views(BASE, wal=wal(checkpoints_timed=30, checkpoints_requested=3, failed_count=0,
                                    last_failed_age_s=None),
                      horizon=Horizon((holder("session", "555", pid=555, xmin_age=20, held_s=2.0),), "shop"),
                      autovacuum=autovacuum(busy=0))
    found, statuses = run_checks(calm)
    assert not [k for k in found if k[0] in ("archive_failing", "checkpoints_too_frequent", "xmin_horizon_held",
                                             "autovacuum_falling_behind")], found
    few = with_views(BASE, wal=wal(checkpoints_timed=0, checkpoints_requested=3))       # under checkpoint_min_count
    assert ("checkpoints_too_frequent", "checkpoints") not in run_checks(few)[0]
    # sixteen requested in a test suite's life: DROP DATABASE and CHECKPOINT, not 40 GB of WAL
    forced = with_views(BASE, wal=wal(checkpoints_timed=0, checkpoints_requested=16, wal_bytes=100 * MB))
    assert ("checkpoints_too_frequent", "checkpoints") not in run_checks(forced)[0]


def test_a_missing_view_makes_its_checks_say_why():
    frame = with_views(BASE, replication=Unavailable("replication", "permission denied", "GRANT pg_monitor"),
                       horizon=None)
    _, statuses = run_checks(frame)
    assert not statuses["replication_lag"].ran and "permission denied" in statuses["replication_lag"].reason
    assert not statuses["xmin_horizon_held"].ran and "not collected" in statuses["xmin_horizon_held"].reason
    assert statuses["archive_failing"].ran


def test_snapshot_json_has_the_new_keys_with_what_they_work_out():
    doc = frame_json(with_views(BASE, io=Unavailable("io", "pg_stat_io needs PostgreSQL 16", "upgrade")))
    assert {"replication", "wal", "io", "horizon", "autovacuum"} <= set(doc)
    assert doc["replication"]["role"] == "primary" and doc["replication"]["slots"][0]["slot_name"] == ODD
    assert doc["wal"]["archive_failing"] is True and doc["wal"]["requested_share"] == pytest.approx(30 / 33)
    assert doc["io"] == {"unavailable": "pg_stat_io needs PostgreSQL 16", "hint": "upgrade"}
    assert doc["horizon"]["oldest"]["holder"] == "tx-[42]"
    assert [h["affects_this_database"] for h in doc["horizon"]["holders"]] == [True, True, False, False]
    table = doc["autovacuum"]["tables"][0]
    assert table["relname"] == "orders" and table["due"] == "dead rows" and table["due_for_s"] == 1200.0
    assert doc["autovacuum"]["workers"][0]["wraparound"] is True
    assert frame_json(BASE)["replication"] is None          # not collected: null, like the other views
