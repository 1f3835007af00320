"""A role without pg_read_all_stats watching another role's work: figures it cannot match
are null, never another statement's; what it cannot see is said, never reported clean.

Two roles, neither with a monitoring grant: `app_b` does the work (statements, a row
lock held idle in a transaction with a session queued behind it), `mon_a` watches.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from findings_support import connect, database, run, wait_for
from pgconsole import cli
from pgconsole.monitor import VIEWS, Monitor

PAIRS = 50


async def _setup(pg_params, params) -> None:
    conn = await connect(params)
    try:
        await conn.execute("""
            CREATE TABLE accounts (id int PRIMARY KEY, balance int);
            INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 100) g;
            GRANT ALL ON accounts TO app_b;""")
    finally:
        await conn.close()


async def _two_samples(mon_params, app_params) -> tuple:
    """mon_a samples twice; between them app_b runs two statements and mon_a one of its own."""
    app = await connect(app_params)
    mine = await connect(mon_params)
    mon = Monitor(mon_params)
    try:
        for i in range(20):   # entries that exist before the first sample
            await app.fetchval("SELECT balance FROM accounts WHERE id = $1", i + 1)
        await mon.poll(force=frozenset(VIEWS))
        for i in range(PAIRS):
            await app.fetchval("SELECT balance FROM accounts WHERE id = $1", i + 1)
            await app.execute("UPDATE accounts SET balance = balance + 1 WHERE id = $1", i + 1)
        for i in range(7):
            await mine.fetchval("SELECT count(*) FROM generate_series(1, $1)", i + 1)
        frame = await mon.poll(force=frozenset(VIEWS))
        return frame, mon.caps
    finally:
        await mon.close()
        await app.close()
        await mine.close()


@pytest.fixture(scope="module")
def roles(pg_params, make_role):
    with database(pg_params, "blind") as params:
        app = make_role("app_b", database=params.database)
        mon = make_role("mon_a", database=params.database)
        run(_setup(pg_params, params))
        yield params, app, mon


def test_other_roles_statements_get_no_interval_figures_never_another_statements(roles):
    _, app, mon = roles
    frame, caps = run(_two_samples(mon, app))
    st = frame.statements
    assert not caps.sees_all_sessions and "GRANT pg_read_all_stats TO mon_a" in st.limited
    here = [s for s in st.statements if s.row.datname == mon.database]
    hidden = [s for s in here if s.row.queryid is None]
    assert all(s.hidden for s in hidden) and {s.row.usename for s in hidden} == {"app_b", "postgres"}
    for s in hidden:   # unidentifiable: folded per role and database, with no interval figures
        assert (s.d_calls, s.d_total_ms, s.d_rows, s.d_io_ms, s.d_temp_blks) == (None,) * 5 and s.query is None
    assert len({(s.row.userid, s.row.dbid, s.row.toplevel) for s in hidden}) == len(hidden)
    assert sum(s.row.calls for s in hidden if s.row.usename == "app_b") >= 20 + 2 * PAIRS
    # its own statement: identified, with exactly its own interval figures
    own = [s for s in here if s.query and "generate_series" in s.query and s.row.usename == "mon_a"]
    assert len(own) == 1 and own[0].d_calls == 7 and own[0].row.queryid is not None
    # no identified statement carries app_b's work
    assert all(s.row.usename == "mon_a" for s in here if s.row.queryid is not None)


async def _hold_and_wait(app_params, ready: asyncio.Event, done: asyncio.Event) -> None:
    holder = await connect(app_params, application_name="holder")
    waiter = await connect(app_params, application_name="waiter")
    try:
        await holder.execute("BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1")
        task = asyncio.create_task(waiter.execute("UPDATE accounts SET balance = 1 WHERE id = 1"))
        await wait_for(holder, "SELECT count(*) > 0 FROM pg_locks WHERE NOT granted")
        ready.set()
        await done.wait()
        await holder.execute("ROLLBACK")
        await task
    finally:
        await holder.close()
        await waiter.close()


def _report(params, *args) -> int:
    return cli.main(["report", "-h", params.host, "-p", str(params.port), "-U", params.user, "-d", params.database,
                     "--interval", "0.2", "--format", "json", "--threshold", "blocking_lock_wait_s=0.1",
                     "--threshold", "blocking_lock_critical_s=0.2", "--threshold", "idle_in_transaction_s=0.1",
                     *args])


def test_a_blind_report_says_so_and_fail_on_does_not_pass(roles, make_role, capsys, monkeypatch):
    params, app, mon = roles
    watcher = make_role("mon_full", ("pg_monitor",), database=params.database)

    async def scene():
        ready, done = asyncio.Event(), asyncio.Event()
        hold = asyncio.create_task(_hold_and_wait(app, ready, done))
        await ready.wait()
        await asyncio.sleep(0.4)       # past the lowered critical wait
        try:
            monkeypatch.setenv("PGPASSWORD", mon.password)
            blind = await asyncio.to_thread(_report, mon, "--fail-on", "critical")
            out_blind = capsys.readouterr()
            monkeypatch.setenv("PGPASSWORD", watcher.password)
            seeing = await asyncio.to_thread(_report, watcher, "--fail-on", "critical")
            out_seeing = capsys.readouterr()
        finally:
            done.set()
            await hold
        return blind, out_blind, seeing, out_seeing

    blind, out_blind, seeing, out_seeing = run(scene())
    assert seeing == 1                  # pg_monitor sees the critical lock chain
    assert blind == 3, out_blind.err    # no finding, but not clean: a distinct status and a line
    assert "partly blind" in out_blind.err and "GRANT pg_read_all_stats TO mon_a" in out_blind.err
    doc = json.loads(out_blind.out)
    sections = {s["id"]: s for s in doc["sections"]}
    status = {r["check"]: r["status"] for r in sections["findings"]["tables"]["checks"]["rows"]}
    for check in ("blocking_lock", "idle_in_transaction", "long_running_query", "oversized_pool"):
        assert status[check] == "partial", (check, status[check])
    assert sections["findings"]["facts"]["checks_blind"] >= 4
    # the connection count includes the sessions it cannot see into, and says how many
    conns = sections["connections"]["facts"]
    assert conns["state_hidden"] >= 2 and conns["connections_used"] >= 3
    assert any("a wait among them is not seen" in n for n in sections["locks"]["notes"])
    other = sections["statements"]["tables"]["other_roles"]["rows"]
    assert "app_b" in {r["user"] for r in other}
    assert "None" not in json.dumps(sections["statements"]["tables"]["by_total"]["rows"])
    full = json.loads(out_seeing.out)
    assert any(f["check"] == "blocking_lock" and f["severity"] == "critical" for f in full["findings"])
