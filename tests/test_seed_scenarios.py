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


# Every cross-table fact a user of the scenario would check: each query counts violations.
FACTS = {
    "events": {
        "session after its user signed up":
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.started_at < u.created_at",
        "event of its session's user":
            "SELECT count(*) FROM events e JOIN sessions s ON s.id = e.session_id WHERE e.user_id <> s.user_id",
        "event inside its session's window":
            "SELECT count(*) FROM events e JOIN sessions s ON s.id = e.session_id "
            "WHERE e.occurred_at < s.started_at OR e.occurred_at > s.ended_at",
        "events of a session in order":
            "SELECT count(*) FROM (SELECT occurred_at < lag(occurred_at) OVER (PARTITION BY session_id ORDER BY id) "
            "AS back FROM events) x WHERE back",
        "received after it occurred": "SELECT count(*) FROM events WHERE received_at < occurred_at",
    },
    "chat": {
        "session after its user signed up":
            "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.started_at < u.created_at",
        "conversation of its session's user":
            "SELECT count(*) FROM conversations c JOIN sessions s ON s.id = c.session_id WHERE c.user_id <> s.user_id",
        "conversation begun inside its session":
            "SELECT count(*) FROM conversations c JOIN sessions s ON s.id = c.session_id "
            "WHERE c.created_at < s.started_at OR c.created_at > s.ended_at",
        "message after its conversation began":
            "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.created_at < c.created_at",
        "messages of a conversation in order":
            "SELECT count(*) FROM (SELECT created_at <= lag(created_at) OVER (PARTITION BY conversation_id "
            "ORDER BY id) AS back FROM messages) x WHERE back",
        "conversation updated after its last message":
            "SELECT count(*) FROM conversations c JOIN (SELECT conversation_id, max(created_at) AS last "
            "FROM messages GROUP BY 1) m ON m.conversation_id = c.id WHERE c.updated_at < m.last",
        "model call after its message":
            "SELECT count(*) FROM ai_interactions a JOIN messages m ON m.id = a.message_id "
            "WHERE a.created_at < m.created_at",
        "feedback after its message":
            "SELECT count(*) FROM message_feedback f JOIN messages m ON m.id = f.message_id "
            "WHERE f.created_at < m.created_at",
    },
    "saas": {
        "user joined after the organization was created":
            "SELECT count(*) FROM users u JOIN organizations o ON o.id = u.organization_id "
            "WHERE u.created_at < o.created_at",
        "subscription after the organization was created":
            "SELECT count(*) FROM subscriptions s JOIN organizations o ON o.id = s.organization_id "
            "WHERE s.started_at < o.created_at",
        "trial token after the organization was created":
            "SELECT count(*) FROM trial_tokens t JOIN organizations o ON o.id = t.organization_id "
            "WHERE t.created_at < o.created_at",
        "device first seen after its user signed up":
            "SELECT count(*) FROM device_fingerprints d JOIN users u ON u.id = d.user_id "
            "WHERE d.first_seen_at < u.created_at",
        "login session of its device's user":
            "SELECT count(*) FROM login_sessions s JOIN device_fingerprints d ON d.id = s.device_id "
            "WHERE s.user_id <> d.user_id",
        "login session inside its device's seen window, after signup":
            "SELECT count(*) FROM login_sessions s JOIN device_fingerprints d ON d.id = s.device_id "
            "JOIN users u ON u.id = s.user_id WHERE s.created_at < d.first_seen_at OR s.created_at > d.last_seen_at "
            "OR s.created_at < u.created_at",
        "auth attempt with its user's email, after signup":
            "SELECT count(*) FROM auth_attempts a JOIN users u ON u.id = a.user_id "
            "WHERE a.email <> u.email OR a.attempted_at < u.created_at",
        "report's organization is its author's":
            "SELECT count(*) FROM reports r JOIN users u ON u.id = r.created_by "
            "WHERE r.organization_id <> u.organization_id OR r.created_at < u.created_at",
    },
}


@pytest.mark.parametrize("name", sorted(FACTS))
async def test_cross_table_facts_hold_and_jobs_do_not_change_the_data(fresh_db, name):
    from test_seed_safety import digest
    plans = {}
    for jobs in (1, 2):
        opts = SeedOptions(scale=0.02, seed=5, jobs=jobs, schema=f"j{jobs}", analyze=False)
        plan = make_plan(load_scenario(name), opts)
        await run_seed(fresh_db, plan)
        plans[jobs] = plan
    assert await digest(fresh_db, "j1") == await digest(fresh_db, "j2")
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs(), server_settings={"search_path": "j1"})
    try:
        for tp in plans[1].tables:
            assert await conn.fetchval(f'SELECT count(*) FROM "{tp.name}"') == tp.rows
        broken = {fact: n for fact, sql in FACTS[name].items() if (n := await conn.fetchval(sql))}
        assert broken == {}
        # and the facts are about rows that exist: every join above finds its rows
        for sql in FACTS[name].values():
            if sql.startswith("SELECT count(*) FROM ") and " JOIN " in sql:
                joined = sql.split(" WHERE ")[0]
                assert await conn.fetchval(joined) > 0, joined
    finally:
        await conn.close()
