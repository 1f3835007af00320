"""Session, connection, cache and extension checks with real sessions on the real server.

The planted side holds a row lock in an idle transaction with a session queued behind
it, a long statement, a crowd of idle connections, a cold table read past the buffer
cache, and no pg_stat_statements. The twin runs after every planted session is gone.
"""

from __future__ import annotations

import asyncio

import pytest

from findings_support import connect, database, evaluate, flush_stats, objects, run, run_remedies, status, wait_for
from pgconsole.findings.model import Thresholds

CHECKS = ("blocking_lock", "idle_in_transaction", "long_running_query", "connection_saturation",
          "low_cache_hit_ratio", "pg_stat_statements_missing")
CROWD = 30

CLIENTS = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"


async def _thresholds(pg_params) -> Thresholds:
    conn = await connect(pg_params)
    try:
        usable = (int(await conn.fetchval("SHOW max_connections"))
                  - int(await conn.fetchval("SHOW superuser_reserved_connections"))
                  - int(await conn.fetchval("SELECT coalesce(current_setting('reserved_connections', true), '0')")))
        baseline = await conn.fetchval(CLIENTS)
    finally:
        await conn.close()
    # the crowd pushes use over this; the twin, without it, stays well under
    return Thresholds().with_overrides({
        "blocking_lock_wait_s": 0.2, "idle_in_transaction_s": 0.2, "long_query_s": 0.5,
        "connection_use_warn": (baseline + CROWD / 2) / usable, "cache_min_blocks": 5000,
    })


async def _planted(params, th: Thresholds):
    setup = await connect(params)
    conns = []
    tasks = []
    try:
        await setup.execute("""
            DROP EXTENSION pg_stat_statements;
            CREATE TABLE locked (id int PRIMARY KEY, v int);
            INSERT INTO locked VALUES (1, 0);
            -- four times shared_buffers (16MB in the suite), read through a small ring of buffers
            CREATE TABLE cold AS SELECT g AS id, repeat('c', 200) AS pad FROM generate_series(1, 250000) g;""")
        for _ in range(2):
            await setup.fetchval("SELECT count(*) FROM cold")
        await flush_stats(setup)
        holder = await connect(params, application_name="holder")
        waiter = await connect(params, application_name="waiter")
        sleeper = await connect(params, application_name="sleeper")
        conns += [holder, waiter, sleeper]
        conns += await asyncio.gather(*(connect(params, application_name="crowd") for _ in range(CROWD)))
        await holder.execute("BEGIN; UPDATE locked SET v = 1 WHERE id = 1")
        tasks.append(asyncio.create_task(waiter.execute("UPDATE locked SET v = 2 WHERE id = 1")))
        tasks.append(asyncio.create_task(sleeper.execute("SELECT pg_sleep(60)")))
        await wait_for(setup, "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                              "AND application_name = 'waiter'")
        await wait_for(setup, "SELECT heap_blks_read > 5000 FROM pg_statio_user_tables WHERE relname = 'cold'")
        await asyncio.sleep(0.6)   # past the lowered age thresholds
        result = await evaluate(params, th)
        pids = {"holder": holder.get_server_pid(), "waiter": waiter.get_server_pid(),
                "sleeper": sleeper.get_server_pid()}
        return result, pids
    finally:
        mine = [c.get_server_pid() for c in conns]
        await setup.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", mine)
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in conns:
            c.terminate()
        await wait_for(setup, "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[]))", mine)
        await setup.close()


async def _twin(params, th: Thresholds):
    conn = await connect(params)
    try:
        await conn.execute("""
            CREATE TABLE small (id int PRIMARY KEY, v text);
            INSERT INTO small SELECT g, 'v' FROM generate_series(1, 100) g;
            ANALYZE small;
            SET enable_hashjoin = off; SET enable_mergejoin = off;""")
        # twenty thousand index lookups into a cached table: a hit ratio near 100%
        await conn.fetchval("SELECT count(*) FROM generate_series(1, 20000) g JOIN small s ON s.id = 1 + g % 100")
        await flush_stats(conn)
        await wait_for(conn, "SELECT idx_blks_hit > 5000 FROM pg_statio_user_tables WHERE relname = 'small'")
        return await evaluate(params, th)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def th(pg_params):
    return run(_thresholds(pg_params))


@pytest.fixture(scope="module")
def planted(pg_params, th):
    with database(pg_params, "sessions") as params:
        result, pids = run(_planted(params, th))
        yield params.database, result, pids


@pytest.fixture(scope="module")
def twin(pg_params, th, planted):  # after the planted sessions are gone
    with database(pg_params, "sessions_twin") as params:
        yield run(_twin(params, th))


def _expected(check: str, dbname: str, pids: dict) -> set[str]:
    return {
        "blocking_lock": {f"pid {pids['holder']}"},
        "idle_in_transaction": {f"pid {pids['holder']}"},
        "long_running_query": {f"pid {pids['sleeper']}"},
        "connection_saturation": {"server"},
        "low_cache_hit_ratio": {dbname},
        "pg_stat_statements_missing": {dbname},
    }[check]


@pytest.mark.parametrize("check", CHECKS)
def test_planted_problem_is_found_on_the_right_object(planted, check):
    dbname, result, pids = planted
    assert status(result, check).ran, status(result, check)
    assert _expected(check, dbname, pids) <= objects(result, check), \
        [f for f in result.findings if f.check == check]


@pytest.mark.parametrize("check", CHECKS)
def test_healthy_twin_has_no_such_finding(twin, check):
    assert status(twin, check).ran, status(twin, check)
    assert objects(twin, check) == set(), [f for f in twin.findings if f.check == check]


def test_blocking_finding_names_the_waiter_and_a_remedy_that_ends_the_holder(planted):
    _, result, pids = planted
    f = next(f for f in result.findings if f.check == "blocking_lock")
    assert f.evidence["waiting_pids"] == [pids["waiter"]] and f.evidence["relation"] == "public.locked"
    assert f.evidence["blocker_state"] == "idle in transaction" and f.evidence["application"] == "holder"
    assert f.remedy.startswith(f"SELECT pg_terminate_backend({pids['holder']});")
    miss = next(f for f in result.findings if f.check == "pg_stat_statements_missing")
    assert "CREATE EXTENSION pg_stat_statements" in miss.remedy
    # without the extension the statement checks say why they did not run
    for check in ("slow_query", "n_plus_one"):
        s = status(result, check)
        assert not s.ran and "pg_stat_statements" in s.reason


def test_session_remedies_run(planted, pg_params):
    dbname, result, _ = planted
    checked = run(run_remedies(pg_params.with_database(dbname), result.findings))
    assert any(s.startswith("SELECT pg_terminate_backend(") for s in checked)
    assert "CREATE EXTENSION pg_stat_statements;" in checked and any(s.startswith("ALTER DATABASE") for s in checked)
