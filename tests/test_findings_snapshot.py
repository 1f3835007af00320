"""Snapshot checks over bloat, vacuum, analyze and pg_stat_statements, planted on the real server.

One database holds every planted problem of this group, a twin holds the same shapes
kept healthy; both are evaluated once with the same lowered thresholds.
"""

from __future__ import annotations

import pytest

from findings_support import connect, database, evaluate, flush_stats, objects, run, run_remedies, status, wait_for
from pgconsole.findings.model import Thresholds

TH = Thresholds().with_overrides({
    "bloat_min_bytes": 256 * 1024, "slow_query_ms": 20, "n_plus_one_min_calls": 200,
})

PLANTED = """
-- table_bloat and index_bloat: four rows in five deleted (vacuumed away below); the pages stay
CREATE TABLE bloated (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = off);
INSERT INTO bloated SELECT g, repeat('b', 100) FROM generate_series(1, 40000) g;
DELETE FROM bloated WHERE id % 5 <> 0;
-- dead_tuples: two thirds deleted below, autovacuum off, never vacuumed
CREATE TABLE churn (id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = off);
INSERT INTO churn SELECT g, 'x' FROM generate_series(1, 30000) g;
-- stale_statistics: 20,000 rows never analyzed
CREATE TABLE unanalyzed (id int) WITH (autovacuum_enabled = off);
INSERT INTO unanalyzed SELECT generate_series(1, 20000);
CREATE TABLE customers (id int PRIMARY KEY, name text);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
"""
# after the counters above reached the shared statistics (else they count again after ANALYZE)
PLANTED_MAINTAIN = """
VACUUM bloated;
ANALYZE bloated;
ANALYZE churn;
ANALYZE customers;
DELETE FROM churn WHERE id > 10000;
"""

TWIN = """
CREATE TABLE healthy (id bigint PRIMARY KEY, payload text);
INSERT INTO healthy SELECT g, repeat('h', 100) FROM generate_series(1, 40000) g;
UPDATE healthy SET payload = repeat('u', 100) WHERE id <= 100;
CREATE TABLE customers (id int PRIMARY KEY, name text);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
"""
# after the counters above reached the shared statistics, or they would count again after ANALYZE
TWIN_MAINTAIN = "VACUUM ANALYZE healthy;\nANALYZE customers;\n"

CHECKS = ("table_bloat", "index_bloat", "dead_tuples", "stale_statistics", "slow_query", "n_plus_one")

QUERYID = """SELECT queryid FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query LIKE $1 ORDER BY calls DESC LIMIT 1"""


async def _script(conn, sql: str) -> None:
    """One statement at a time: VACUUM refuses to run inside a multi-statement string."""
    for stmt in sql.split(";\n"):
        if any(line.strip() and not line.strip().startswith("--") for line in stmt.splitlines()):
            await conn.execute(stmt)


async def _plant(params) -> dict[str, set[str]]:
    conn = await connect(params)
    try:
        await _script(conn, PLANTED)
        await flush_stats(conn)
        await _script(conn, PLANTED_MAINTAIN)
        for _ in range(3):
            await conn.execute("SELECT pg_sleep(0.03)")
        # N+1: the list once or twice, then one lookup per row, from a loop in the client
        for _ in range(2):
            ids = [r["id"] for r in await conn.fetch("SELECT id FROM customers ORDER BY id LIMIT 150")]
            for i in ids:
                await conn.fetchval("SELECT name FROM customers WHERE id = $1", i)
        await flush_stats(conn)
        await wait_for(conn, "SELECT n_dead_tup >= 20000 FROM pg_stat_user_tables WHERE relname = 'churn'")
        await wait_for(conn, "SELECT n_live_tup >= 20000 FROM pg_stat_user_tables WHERE relname = 'unanalyzed'")
        slow = await conn.fetchval(QUERYID, "%pg_sleep%")
        loop = await conn.fetchval(QUERYID, "SELECT name FROM customers WHERE id = $1")
        return {"table_bloat": {"public.bloated"}, "index_bloat": {"public.bloated_pkey"},
                "dead_tuples": {"public.churn"}, "stale_statistics": {"public.unanalyzed"},
                "slow_query": {f"query {slow}"}, "n_plus_one": {f"query {loop}"}}
    finally:
        await conn.close()


async def _plant_twin(params) -> None:
    conn = await connect(params)
    try:
        await _script(conn, TWIN)
        await flush_stats(conn)
        await _script(conn, TWIN_MAINTAIN)
        for _ in range(5):
            await conn.fetch("SELECT name FROM customers WHERE id = ANY($1)", list(range(1, 151)))
        for _ in range(20):
            await conn.fetchval("SELECT count(*) FROM healthy WHERE id < $1", 50)
        await flush_stats(conn)
        await wait_for(conn, "SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'healthy'")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def planted(pg_params):
    with database(pg_params, "snap") as params:
        expected = run(_plant(params))
        yield expected, run(evaluate(params, TH)), params


@pytest.fixture(scope="module")
def twin(pg_params):
    with database(pg_params, "snap_twin") as params:
        run(_plant_twin(params))
        yield run(evaluate(params, TH))


@pytest.mark.parametrize("check", CHECKS)
def test_planted_problem_is_found_on_the_right_object(planted, check):
    expected, result, _ = planted
    assert status(result, check).ran, status(result, check)
    assert expected[check] <= objects(result, check), [f for f in result.findings if f.check == check]


@pytest.mark.parametrize("check", CHECKS)
def test_healthy_twin_has_no_such_finding(twin, check):
    assert status(twin, check).ran, status(twin, check)
    assert objects(twin, check) == set(), [f for f in twin.findings if f.check == check]


def test_findings_carry_numbers_and_a_runnable_remedy(planted):
    expected, result, _ = planted
    by = {(f.check, f.object): f for f in result.findings}
    dead = by[("dead_tuples", "public.churn")]
    assert dead.evidence["n_dead_tup"] >= 20000 and dead.evidence["n_live_tup"] <= 12000
    assert dead.severity == "critical" and dead.remedy.startswith('VACUUM (ANALYZE, VERBOSE) "public"."churn"')
    bloat = by[("table_bloat", "public.bloated")]
    assert 60 <= bloat.evidence["est_bloat_pct"] <= 90 and "pgstattuple" in bloat.evidence["confirm"]
    assert by[("index_bloat", "public.bloated_pkey")].remedy == 'REINDEX INDEX CONCURRENTLY "public"."bloated_pkey";'
    n1 = by[("n_plus_one", next(iter(expected["n_plus_one"])))]
    assert n1.evidence["calls"] == 300 and n1.evidence["rows_per_call"] == 1.0
    assert n1.evidence["busiest_sibling_calls"] <= 3  # the list query ran twice
    slow = by[("slow_query", next(iter(expected["slow_query"])))]
    assert slow.evidence["calls"] == 3 and slow.evidence["mean_ms"] >= 30



def test_snapshot_remedies_run(planted):
    _, result, params = planted
    checked = run(run_remedies(params, result.findings))
    assert 'VACUUM (ANALYZE, VERBOSE) "public"."churn";' in checked and 'ANALYZE "public"."unanalyzed";' in checked
