"""The shipped scenarios, seeded small on the test server: counts, keys, NULLs, shapes."""

from __future__ import annotations

import asyncpg
import pytest

from pgconsole.seed import SeedOptions, list_scenarios, load_scenario, make_plan, run_seed


async def seed(params, name: str, scale: float, **opts):
    plan = make_plan(load_scenario(name), SeedOptions(scale=scale, **opts))
    summary = await run_seed(params, plan)
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    return plan, summary, conn


async def check_common(conn, plan, summary) -> None:
    """Row counts as planned; every declared key and index exists; every FK holds."""
    for tp in plan.tables:
        assert await conn.fetchval(f'SELECT count(*) FROM "{tp.name}"') == tp.rows, tp.name
    assert {t.table: t.rows_done for t in summary.tables} == {tp.name: tp.rows for tp in plan.tables}
    built = set(summary.built)
    names = {r[0] for r in await conn.fetch("SELECT conname FROM pg_constraint UNION SELECT relname FROM pg_class")}
    assert built and built <= names
    for tp in plan.tables:
        for c in tp.spec.columns:
            if c.spec.gen == "ref":
                ptable, pcol = c.spec.params["ref"].split(".")
                # validated by the constraint build; checked here once more by hand
                orphans = await conn.fetchval(
                    f'SELECT count(*) FROM "{tp.name}" c WHERE c."{c.name}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM "{ptable}" p WHERE p."{pcol}" = c."{c.name}")')
                assert orphans == 0, (tp.name, c.name)
                assert f"{tp.name}_{c.name}_fkey" in built
            if tp.spec.primary_key == (c.name,) or c.unique:
                dupes = await conn.fetchval(f'SELECT count("{c.name}") - count(DISTINCT "{c.name}") FROM "{tp.name}"')
                assert dupes == 0, (tp.name, c.name)
            if c.spec.null > 0:
                frac = await conn.fetchval(f'SELECT avg(("{c.name}" IS NULL)::int)::float8 FROM "{tp.name}"')
                p = c.spec.null   # binomial: within 4.5 standard deviations
                assert frac == pytest.approx(p, abs=max(0.02, 4.5 * (p * (1 - p) / tp.rows) ** 0.5)), (tp.name, c.name)
            elif not c.nullable:
                assert await conn.fetchval(f'SELECT count(*) FROM "{tp.name}" WHERE "{c.name}" IS NULL') == 0


def test_every_scenario_has_a_description():
    names = {s.name: s for s in list_scenarios()}
    assert {"saas", "events", "chat"} <= set(names)
    assert all(len(s.description) > 20 for s in names.values())


async def test_saas(fresh_db):
    plan, summary, conn = await seed(fresh_db, "saas", 0.02)
    try:
        await check_common(conn, plan, summary)
        # users per organization: a power law, far from even
        sizes = [r[0] for r in await conn.fetch(
            "SELECT count(*) FROM users GROUP BY organization_id ORDER BY 1 DESC")]
        assert sizes[0] > 8 * (sum(sizes) / len(sizes))
        roles = dict(await conn.fetch("SELECT role, count(*)::float8 / 1000 FROM users GROUP BY role"))
        assert roles["member"] == pytest.approx(0.80, abs=0.04) and roles["owner"] == pytest.approx(0.05, abs=0.03)
        assert await conn.fetchval("SELECT count(*) FROM subscriptions WHERE ends_at <= started_at") == 0
        assert await conn.fetchval("SELECT count(*) FROM users WHERE last_login_at < created_at") == 0
        # subscriptions spread evenly ('even'): every organization has one
        assert await conn.fetchval("SELECT count(DISTINCT organization_id) FROM subscriptions") == 40
        keys = await conn.fetchval("SELECT count(*) FROM reports WHERE definition ? 'range' AND "
                                   "jsonb_typeof(definition->'metrics') = 'array'")
        assert keys == 400
        assert 0.3 < await conn.fetchval("SELECT avg((settings ? 'retention_days')::int)::float8 "
                                         "FROM organizations") < 0.7
        # realistic values, not a handful of strings
        assert await conn.fetchval("SELECT count(DISTINCT name) FROM users") > 600
        assert await conn.fetchval("SELECT count(DISTINCT user_agent) FROM device_fingerprints") > 400
        # inserts after the seed get new ids
        assert await conn.fetchval("SELECT last_value FROM organizations_id_seq") == 40
    finally:
        await conn.close()


async def test_events(fresh_db):
    plan, summary, conn = await seed(fresh_db, "events", 0.01)
    try:
        await check_common(conn, plan, summary)
        # heavy users: the top 5% of users account for far more than 5% of events
        share = await conn.fetchval(
            "WITH c AS (SELECT count(*) AS n FROM events GROUP BY user_id ORDER BY 1 DESC LIMIT 10) "
            "SELECT sum(n)::float8 / 10000 FROM c")
        assert share > 0.3
        # traffic grows toward the end of the range (mode recent, power 2.5): the last 181 of
        # 546 days get (181/546) ** (1/2.5) of the events, about 64% instead of 33%
        recent = await conn.fetchval(
            "SELECT avg((occurred_at > timestamptz '2025-01-01 00:00Z')::int)::float8 FROM events")
        assert recent == pytest.approx((181 / 546) ** 0.4, abs=0.03)
        # events of a session are contiguous (dist = sequential)
        runs = await conn.fetchval(
            "SELECT count(*) FROM (SELECT session_id IS DISTINCT FROM lag(session_id) OVER (ORDER BY id) AS b "
            "FROM events) x WHERE b")
        assert runs == 1000
        omitted = await conn.fetchval("SELECT avg((NOT payload ? 'referrer')::int)::float8 FROM events")
        assert omitted == pytest.approx(0.4, abs=0.03)
        assert await conn.fetchval("SELECT count(*) FROM events WHERE received_at < occurred_at") == 0
        assert await conn.fetchval(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (payload->>'duration_ms')::int) FROM events") \
            == pytest.approx(180, rel=0.1)
    finally:
        await conn.close()


async def test_chat(fresh_db):
    plan, summary, conn = await seed(fresh_db, "chat", 0.01)
    try:
        await check_common(conn, plan, summary)
        assert await conn.fetchval("SELECT count(*) FROM (SELECT user_id, message_id FROM message_feedback "
                                   "GROUP BY 1, 2 HAVING count(*) > 1) d") == 0
        per_conv = await conn.fetchval("SELECT avg(n) FROM (SELECT count(*) n FROM messages GROUP BY conversation_id) x")
        assert float(per_conv) == pytest.approx(10, abs=0.01)
        median = await conn.fetchval("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tokens) FROM messages")
        assert median == pytest.approx(120, rel=0.1)
        models = dict(await conn.fetch("SELECT model, count(*)::float8 / 3000 FROM ai_interactions GROUP BY 1"))
        assert models["gpt-4o"] == pytest.approx(0.40, abs=0.04)
        assert await conn.fetchval("SELECT min(cost_usd) >= 0 AND max(cost_usd) < 1 FROM ai_interactions")
        assert await conn.fetchval("SELECT avg(length(content)) FROM messages") > 100
    finally:
        await conn.close()
