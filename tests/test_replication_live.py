"""Replication, WAL and the vacuum horizon on a real primary and its streaming standby.

Planted on the pair (tests/replication_support.py): a logical slot nobody consumes, 80 MB
of WAL with replay paused on the standby and max_wal_size at 32 MB, archive_command
`false`, a forgotten prepared transaction, a session holding a snapshot and a long query
on the standby (hot_standby_feedback), dead rows, and the one autovacuum worker crawling
through a table. Then the standby loses its primary. The healthy twin is the same pair
after every plant is undone and the statistics of the archiver and checkpoints reset.
"""

from __future__ import annotations

import asyncio

import pytest

from findings_support import objects, run, status
from pgconsole.findings.model import Thresholds
from pgconsole.findings.replication_ids import REPLICATION_CHECK_IDS
from pgconsole.monitor import Monitor
from pgconsole.replication_snapshots import Autovacuum, Horizon, Io, Replication, Wal
from pgconsole.snapshots import Unavailable
from replication_support import (
    DB, GID, MB, SLOT, STANDBY, disconnect_standby, evaluate, heal, plant, prepare, start_pair, stop_pair,
)

TH = Thresholds().with_overrides({
    "slot_inactive_min_bytes": 1 * MB, "slot_retained_critical_bytes": 40 * MB,
    "replication_lag_bytes": 8 * MB, "replication_lag_s": 3600, "standby_not_streaming_s": 0.5,
    "xmin_horizon_xids": 500, "xmin_horizon_min_dead_rows": 1000,
    "checkpoint_min_count": 2, "autovacuum_behind_s": 0.5,
})


async def _quiet_autovacuum(params, timeout: float = 60.0) -> None:
    """Until autovacuum has nothing due here (the twin must not meet the plants' leftovers)."""
    mon = Monitor(params)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            av = (await mon.poll(force=frozenset({"autovacuum"}))).autovacuum
            if isinstance(av, Autovacuum) and not av.due():
                return
            if loop.time() > deadline:
                raise AssertionError(f"autovacuum still has work: {[n.table.relname for n in av.due()]}")
            await asyncio.sleep(0.5)
    finally:
        await mon.close()


async def _scenario(pair):
    await prepare(pair)
    names = await plant(pair)
    primary = await evaluate(pair.params("primary"), TH)
    standby = await evaluate(pair.params("standby"), TH)
    conninfo = await disconnect_standby(pair)
    cut_off = await evaluate(pair.params("standby"), TH)
    await heal(pair, conninfo)
    await _quiet_autovacuum(pair.params("primary"))
    twin_primary = await evaluate(pair.params("primary"), TH)
    twin_standby = await evaluate(pair.params("standby"), TH)
    return {"names": names, "primary": primary, "standby": standby, "cut_off": cut_off,
            "twin_primary": twin_primary, "twin_standby": twin_standby, "version": pair.version}


@pytest.fixture(scope="module")
def scenario():
    pair = start_pair()
    try:
        yield run(_scenario(pair))
    finally:
        for c in pair.held:
            c.terminate()
        stop_pair(pair)


def _expected(scenario) -> dict[str, tuple[str, set[str]]]:
    """check -> (which evaluation, the objects it must name there)."""
    return {
        "inactive_replication_slot": ("primary", {f"slot {SLOT}"}),
        "replication_lag": ("primary", {f"standby {STANDBY}"}),
        "standby_not_streaming": ("cut_off", {"this standby"}),
        "archive_failing": ("primary", {"archiver"}),
        "xmin_horizon_held": ("primary", {f"pid {scenario['names']['session']}", f"prepared transaction {GID}",
                                          f"standby {STANDBY}"}),
        "checkpoints_too_frequent": ("primary", {"checkpoints"}),
        "autovacuum_falling_behind": ("primary", {DB}),
    }


@pytest.mark.parametrize("check", REPLICATION_CHECK_IDS)
def test_planted_problem_is_found_on_the_right_object(scenario, check):
    where, want = _expected(scenario)[check]
    result = scenario[where].result
    assert status(result, check).ran, status(result, check)
    assert want <= objects(result, check), [f for f in result.findings if f.check == check]


@pytest.mark.parametrize("check", REPLICATION_CHECK_IDS)
def test_healthy_twin_has_no_such_finding(scenario, check):
    for where in ("twin_primary", "twin_standby"):
        result = scenario[where].result
        assert status(result, check).ran, (where, status(result, check))
        assert objects(result, check) == set(), (where, [f for f in result.findings if f.check == check])


def test_severities_and_remedies_name_the_holder(scenario):
    by = {(f.check, f.object): f for f in scenario["primary"].result.findings}
    slot = by[("inactive_replication_slot", f"slot {SLOT}")]
    assert slot.severity == "critical" and slot.evidence["retained_bytes"] >= 40 * MB
    assert f"pg_drop_replication_slot('{SLOT}')" in slot.remedy
    assert by[("archive_failing", "archiver")].severity == "critical"   # nothing ever archived
    prepared = by[("xmin_horizon_held", f"prepared transaction {GID}")]
    assert prepared.remedy.startswith(f"in database {DB}: COMMIT PREPARED '{GID}'")
    assert prepared.evidence["dead_rows"] >= 20000 and prepared.evidence["xmin_age"] >= 1000
    session = by[("xmin_horizon_held", f"pid {scenario['names']['session']}")]
    assert session.remedy.startswith(f"SELECT pg_terminate_backend({scenario['names']['session']})")
    assert "hot_standby_feedback" in by[("xmin_horizon_held", f"standby {STANDBY}")].remedy
    behind = by[("autovacuum_falling_behind", DB)]
    assert behind.evidence["workers_busy"] == behind.evidence["max_workers"] == 1
    assert any(w["table"] and "crawl" in w["table"] for w in behind.evidence["workers"])
    assert any(t["table"] == "public.churn" for t in behind.evidence["tables"])
    lag = scenario["standby"].result
    mine = next(f for f in lag.findings if f.check == "replication_lag")
    assert mine.object == "this standby" and "paused" in mine.message
    assert mine.remedy.startswith("SELECT pg_wal_replay_resume();")


def test_primary_views_show_standby_slot_wal_and_holders(scenario):
    f = scenario["primary"].frame
    repl, wal, horizon = f.replication, f.wal, f.horizon
    assert isinstance(repl, Replication) and not repl.status.is_standby
    sb = next(s for s in repl.standbys if s.application_name == STANDBY)
    assert sb.state == "streaming" and sb.replay_lag_bytes > 40 * MB and sb.xmin_age >= 1000
    slot = next(s for s in repl.slots if s.slot_name == SLOT)
    assert slot.slot_type == "logical" and slot.plugin == "test_decoding" and not slot.active
    assert slot.retained_bytes > 40 * MB and slot.catalog_xmin_age is not None
    assert (slot.inactive_s is not None) == (scenario["version"] >= 170000)
    assert isinstance(wal, Wal) and wal.row.failed_count > 0 and wal.archive_failing
    assert wal.row.checkpoints_requested >= 2 and wal.wal_bytes_per_s is not None
    assert (wal.row.wal_records is not None) == (scenario["version"] >= 140000)
    assert isinstance(horizon, Horizon)
    kinds = {h.kind for h in horizon.affecting()}
    assert {"session", "prepared", "standby"} <= kinds
    assert any(h.kind == "slot" and h.catalog_only for h in horizon.holders)   # logical: catalogs only
    io = f.io
    if scenario["version"] >= 160000:
        assert isinstance(io, Io) and io.rows and io.interval_s is not None
        assert any(r.row.backend_type == "checkpointer" for r in io.rows)
    else:
        assert isinstance(io, Unavailable) and "16" in io.reason


def test_standby_views_show_receiver_replay_and_conflicts(scenario):
    f = scenario["standby"].frame
    repl = f.replication
    st = repl.status
    assert st.is_standby and st.receiver_status == "streaming" and st.replay_pause_state == "paused"
    assert st.replay_pending_bytes > 40 * MB and repl.caught_up is False
    assert any(c.datname == DB for c in repl.conflicts) and repl.slots == ()
    assert isinstance(f.wal, Wal) and f.wal.row.is_standby
    cut = scenario["cut_off"].frame.replication
    assert cut.status.receiver_status != "streaming" and cut.not_streaming_s is not None
    healed = scenario["twin_standby"].frame.replication
    assert healed.caught_up and healed.status.receiver_status == "streaming"
