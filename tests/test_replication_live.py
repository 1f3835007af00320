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

from findings_support import connect, objects, run, status
from pgconsole import replication_snapshots as rs
from pgconsole.findings.model import Thresholds
from pgconsole.findings.replication_ids import REPLICATION_CHECK_IDS
from pgconsole.monitor import Monitor
from pgconsole.replication_snapshots import Autovacuum, Horizon, Io, Replication, Wal
from pgconsole.snapshots import Unavailable
from replication_support import (
    DB, GID, MB, SLOT, STANDBY, disconnect_standby, evaluate, heal, plant, prepare, start_pair, stop_pair,
)

# the queries of pane 7 and the rows they fill
QUERY_ROWS = {"replication_status": rs.ReplicationStatus, "replication_standbys": rs.Standby,
              "replication_slots": rs.Slot, "replication_subscriptions": rs.Subscription,
              "replication_conflicts": rs.DatabaseConflicts, "wal_stats": rs.WalRow, "io_stats": rs.IoRow,
              "xmin_horizon": rs.HorizonHolder, "autovacuum_tables": rs.AutovacuumTable}

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


async def _as_role(pair, role: str):
    mon = Monitor(pair.params("primary", user=role))
    try:
        return await mon.poll()
    finally:
        await mon.close()


async def _columns(pair) -> dict[str, list[str]]:
    """Each pane-7 query's columns on this server, as prepared (the aliases fill the dataclasses)."""
    from pgconsole.capabilities import probe
    conn = await connect(pair.params("primary"))
    try:
        caps = await probe(conn)
        return {name: [a.name for a in (await conn.prepare(caps.sql(name))).get_attributes()]
                for name in QUERY_ROWS if name != "io_stats" or caps.version_num >= 160000}
    finally:
        await conn.close()


def _demo_standby(pair) -> dict:
    """`pgconsole demo`'s standby beside the (healed) primary: made, found running, removed."""
    from pgconsole.standby import start_demo_standby
    said: list[str] = []
    standby, started = start_demo_standby(pair.primary, say=said.append)
    try:
        again, started_again = start_demo_standby(pair.primary, say=said.append)
        return {"said": said, "started": started, "started_again": started_again,
                "running": standby.is_running() and again.root == standby.root}
    finally:
        standby.destroy()


async def _scenario(pair):
    await prepare(pair)
    names = await plant(pair)
    roles = {role: await _as_role(pair, role) for role in ("mon_role", "plain_role")}
    columns = await _columns(pair)
    primary = await evaluate(pair.params("primary"), TH)
    standby = await evaluate(pair.params("standby"), TH)
    conninfo = await disconnect_standby(pair)
    cut_off = await evaluate(pair.params("standby"), TH)
    await heal(pair, conninfo)
    await _quiet_autovacuum(pair.params("primary"))
    twin_primary = await evaluate(pair.params("primary"), TH)
    # an idle primary still writes now and then (the bgwriter's running-xacts record every 15 s):
    # a standby sampled while such a record is half streamed is, rightly, some bytes behind
    for _ in range(10):
        twin_standby = await evaluate(pair.params("standby"), TH)
        if twin_standby.frame.replication.caught_up:
            break
    demo = _demo_standby(pair)
    return {"names": names, "primary": primary, "standby": standby, "cut_off": cut_off,
            "twin_primary": twin_primary, "twin_standby": twin_standby, "version": pair.version,
            "roles": roles, "columns": columns, "outcomes": pair.outcomes, "demo": demo}


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
    assert not any("autovacuum" in (h.detail or "") for h in horizon.holders)   # a VACUUM holds nothing back
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


def test_query_columns_are_the_fields_of_their_rows(scenario):
    import dataclasses
    for name, columns in scenario["columns"].items():
        assert columns == [f.name for f in dataclasses.fields(QUERY_ROWS[name])], name
    assert len(scenario["columns"]) == len(QUERY_ROWS) - (scenario["version"] < 160000)


def test_pg_monitor_member_sees_all_and_a_plain_role_is_told_what_it_cannot(scenario):
    mon, plain = scenario["roles"]["mon_role"], scenario["roles"]["plain_role"]
    r = mon.replication
    assert r.limited is None and r.standbys[0].replay_lag_bytes is not None and r.standbys[0].state == "streaming"
    assert mon.wal.row.archive_command == "false" and mon.wal.row.archive_ready is not None
    assert {h.kind for h in mon.horizon.holders} >= {"session", "prepared", "standby"}
    assert any("crawl" in (w.target or "") for w in mon.autovacuum.workers) and mon.autovacuum.limited is None
    p = plain.replication
    assert "GRANT pg_read_all_stats TO plain_role" in p.limited and p.standbys[0].replay_lag_bytes is None
    assert plain.wal.row.archive_ready is None                          # pg_ls_archive_statusdir: pg_monitor
    assert plain.wal.archive_failing                                    # pg_stat_archiver is for everyone
    assert "plain_role" in plain.autovacuum.limited and "plain_role" in plain.horizon.limited
    assert any(s.slot_name == SLOT for s in p.slots)                    # so is pg_replication_slots


def test_console_remedies_ran_on_the_real_server(scenario):
    assert scenario["outcomes"] == [f"prepared transaction {GID!r} rolled back",
                                    f"replication slot {SLOT!r} dropped"]


def test_report_sections_and_snapshot_json_from_the_planted_primary(scenario):
    from pgconsole.report.build import assemble
    from pgconsole.report.data import ReportData
    from pgconsole.report.render_json import to_json
    from pgconsole.serialize import frame_json
    ev = scenario["primary"]
    data = ReportData(target="test", caps=ev.caps, first=ev.first, frame=ev.frame, catalog=ev.catalog,
                      findings=ev.result, interval_s=0.6, pgss_reset=None)
    doc = to_json(assemble(data))
    sections = {s["id"]: s for s in doc["sections"]}
    rep, hor = sections["replication"], sections["horizon"]
    assert rep["title"] == "Replication and WAL" and hor["title"] == "Vacuum horizon"
    assert {r["slot"] for r in rep["tables"]["slots"]["rows"]} >= {SLOT}
    assert rep["facts"]["archive_failing"] is True and "archive_failing" in rep["checks"]
    assert {r["kind"] for r in hor["tables"]["holders"]["rows"]} >= {"session", "prepared", "standby", "slot"}
    assert hor["facts"]["dead_rows"] >= 20000 and "xmin_horizon_held" in hor["checks"]
    snap = frame_json(ev.frame)
    assert snap["replication"]["role"] == "primary" and snap["wal"]["archive_failing"] is True
    assert snap["horizon"]["oldest"]["xmin_age"] >= 1000
    if scenario["version"] < 160000:
        assert set(snap["io"]) == {"unavailable", "hint"}


def test_demo_standby_is_made_once_and_found_running_after(scenario):
    demo = scenario["demo"]
    assert demo["started"] and not demo["started_again"] and demo["running"]
    assert demo["said"] == ["starting a streaming standby (pg_basebackup)…"]


async def test_pane7_views_keep_their_hidden_interval_and_come_back_when_shown(pg_params):
    """Hidden, pane 7's views wait a minute or two (they cost little, but every refresh adds up);
    showing the pane answers the stale ones, to be read at once."""
    mon = Monitor(pg_params)
    try:
        first = await mon.poll()
        assert isinstance(first.replication, Replication) and isinstance(first.autovacuum, Autovacuum)
        mon.show_views(frozenset({"connections"}))
        for name in rs.VIEWS:
            if name in mon._collected_at:          # (pg_stat_io before 16: unavailable, never collected)
                mon._collected_at[name] -= 10.0    # ten seconds old: over every shown interval
        hidden = await mon.poll()
        assert all(getattr(hidden, v) is getattr(first, v) for v in rs.VIEWS)
        assert mon.show_views(frozenset(rs.VIEWS)) >= {"replication", "wal", "horizon", "autovacuum"}
        shown = await mon.poll()
        assert all(getattr(shown, v) is not getattr(first, v) for v in ("replication", "wal", "horizon",
                                                                         "autovacuum"))
    finally:
        await mon.close()
