"""seed --like: a target shaped like a source with deliberate skew, without a row of it.

The source (built here): customers, and orders with a Zipf-distributed foreign key, a
70%-NULL note, a status at 90/7/2/1%, a time correlated with the id, and secondary
indexes. Seeded --like into an empty database: the statistics agree within the
tolerances, the plans of the probe queries and of five of the test's own have the same
shape, no text value of the source reaches the target or the output, and the written
scenario reads back.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from findings_support import database, run
from pgconsole.seed import SeedOptions, load_scenario, make_plan, run_seed
from pgconsole.seed.like_run import compare_like, plan_like
from pgconsole.seed.toml_out import dumps

SOURCE = """
SELECT setseed(0.42);
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE,
                        country char(2) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO customers (name, email, country, created_at)
SELECT 'Person ' || md5(g::text), 'p' || g || '.' || md5(g::text) || '@corp.example',
       (ARRAY['US', 'DE', 'FR', 'JP', 'BR'])[1 + floor(random() ^ 2 * 5)::int],
       timestamptz '2020-01-01' + g * interval '9 hours'
FROM generate_series(1, 2000) g;
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     status text NOT NULL, note text, amount numeric(10,2) NOT NULL CHECK (amount >= 0),
                     created_at timestamptz NOT NULL);
INSERT INTO orders (customer_id, status, note, amount, created_at)
SELECT floor(exp(random() * ln(2000)))::bigint,
       CASE WHEN r < 0.90 THEN 'paid' WHEN r < 0.97 THEN 'shipped' WHEN r < 0.99 THEN 'refunded' ELSE 'lost' END,
       CASE WHEN random() < 0.7 THEN NULL ELSE 'secret note ' || md5(g::text) END,
       round((random() * random() * 500)::numeric, 2),
       timestamptz '2024-01-01' + g * interval '17 minutes' + random() * interval '10 minutes'
FROM (SELECT g, random() AS r FROM generate_series(1, 30000) g) x;
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX orders_status_idx ON orders (status);
CREATE INDEX customers_lower_email_idx ON customers (lower(email)) WHERE country <> 'US';
"""
QUERIES = [
    "SELECT * FROM orders WHERE status = {mcv:orders.status:-1}",
    "SELECT * FROM orders WHERE status = {mcv:orders.status:0}",
    "SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id "
    "WHERE c.country = {mcv:customers.country:-1}",
    "SELECT * FROM orders WHERE created_at > {hist:orders.created_at:0.98}",
    "SELECT * FROM orders WHERE customer_id = {mcv:orders.customer_id:0}",
]


async def _build(params):
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        await conn.execute(SOURCE)
        for _ in range(100):   # a production table: vacuumed (all visible: other sessions may delay that), analyzed
            await conn.execute("VACUUM ANALYZE customers")
            await conn.execute("VACUUM ANALYZE orders")
            if await conn.fetchval("SELECT bool_and(relallvisible = relpages) FROM pg_class "
                                   "WHERE relname IN ('customers', 'orders')"):
                break
            await asyncio.sleep(0.1)
        return {r[0] for r in await conn.fetch("SELECT email FROM customers UNION ALL SELECT name FROM customers "
                                               "UNION ALL SELECT DISTINCT note FROM orders WHERE note IS NOT NULL "
                                               "UNION ALL SELECT DISTINCT status FROM orders")}
    finally:
        await conn.close()


async def _like(source, target, tmp):
    derived, plan = await plan_like(source, target, SeedOptions(seed=3), keep={"country"})
    (tmp / "shop.toml").write_text(dumps(derived.scenario))
    summary = await run_seed(target, plan)
    cmp = await compare_like(source, target, derived, "public", QUERIES)
    return derived, plan, summary, cmp


@pytest.fixture(scope="module")
def seeded(pg_params, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("like")
    with database(pg_params, "likesrc") as source, database(pg_params, "liketgt") as target:
        secrets = run(_build(source))
        yield source, target, secrets, tmp, run(_like(source, target, tmp))


def test_rows_and_statistics_match_the_source(seeded):
    _, _, _, _, (derived, plan, summary, cmp) = seeded
    assert {t.table: t.rows_done for t in summary.tables} == {"customers": 2000, "orders": 30000}
    assert derived.fallback == ()
    measured = {(c.table, c.column, c.measure.split()[0]) for c in cmp.stats}
    for col in ("customer_id", "status", "note", "amount", "created_at"):
        assert ("orders", col, "n_distinct") in measured and ("orders", col, "null_frac") in measured
    assert ("orders", "customer_id", "top") in measured and ("orders", "created_at", "histogram") in measured
    off = [c for c in cmp.stats if not c.ok]
    assert off == [], off


def test_plans_have_the_same_shape(seeded):
    cmp = seeded[4][3]
    mine = [p for p in cmp.plans if p.query in QUERIES]
    assert len(mine) == 5 and len(cmp.plans) > 5
    differ = [p for p in cmp.plans if not p.ok]
    assert differ == [], "\n".join(f"{p.query}\n  {p.source}\n  {p.target}" for p in differ)
    shapes = {p.query: p.source for p in mine}
    assert "Index Scan" in shapes[QUERIES[0]] or "Bitmap" in shapes[QUERIES[0]]   # the rare status: an index
    assert shapes[QUERIES[1]].startswith("Seq Scan")                               # the common one: read it all


async def test_target_has_the_shape_but_no_source_text(seeded):
    source, target, secrets, _, _ = seeded
    conn = await asyncpg.connect(**target.asyncpg_kwargs())
    try:
        values = {r[0] for r in await conn.fetch(
            "SELECT email FROM customers UNION ALL SELECT name FROM customers UNION ALL "
            "SELECT note FROM orders WHERE note IS NOT NULL UNION ALL SELECT status FROM orders")}
        assert values and not values & secrets
        kept = {r[0] for r in await conn.fetch("SELECT DISTINCT country FROM customers")}
        assert kept <= {"US", "DE", "FR", "JP", "BR"} and len(kept) >= 3       # --keep-values country
        r = await conn.fetchrow("SELECT corr(id, extract(epoch FROM created_at)) AS c, "
                                "avg((note IS NULL)::int) AS nulls FROM orders")
        assert r["c"] > 0.95 and abs(float(r["nulls"]) - 0.7) < 0.02
        top = await conn.fetchval("SELECT max(n)::float8 / 30000 FROM (SELECT count(*) n FROM orders "
                                  "GROUP BY customer_id) x")
        assert top > 0.05                                                      # the Zipf head is there
        idx = {r[0] for r in await conn.fetch("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'")}
        assert any("lower(email)" in d and "WHERE" in d for d in idx) and len(idx) >= 6
        fks = await conn.fetchval("SELECT count(*) FROM pg_constraint WHERE contype = 'f'")
        assert fks == 1
    finally:
        await conn.close()


def test_written_scenario_reads_back(seeded):
    tmp = seeded[3]
    scen = load_scenario(str(tmp / "shop.toml"))
    plan = make_plan(scen, SeedOptions(scale=0.1))
    assert {t.name: t.rows for t in plan.tables} == {"customers": 200, "orders": 3000}
    assert scen.table("orders").column("customer_id").spec.params["dist"] == "shaped"
    text = (tmp / "shop.toml").read_text()
    assert "secret note" not in text and "corp.example" not in text and "paid" not in text


async def test_command_line_prints_the_proof_and_nothing_from_the_source(seeded, fresh_db):
    source, _, secrets, tmp, _ = seeded
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    r = subprocess.run([sys.executable, "-m", "pgconsole", "seed", "--like", source.uri(), fresh_db.uri(),
                        "--scale", "0.2", "--write-scenario", str(tmp / "cli.toml")],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    assert "target vs source statistics" in r.stdout and "plans:" in r.stdout
    out = r.stdout + r.stderr
    assert not any(s in out for s in secrets if len(s) > 3), "a source value was printed"
    assert (tmp / "cli.toml").exists()


async def test_unreadable_statistics_fall_back_and_are_named(seeded, make_role):
    from findings_support import connect
    from pgconsole.seed.like import derive
    source = seeded[0]
    reader = make_role("like_reader", database=source.database)
    conn = await connect(source)
    try:   # every column of customers, and of orders all but the note
        await conn.execute("GRANT SELECT ON customers TO like_reader; "
                           "GRANT SELECT (id, customer_id, status, amount, created_at) ON orders TO like_reader")
        derived = await derive(reader, "public")
    finally:
        await conn.execute("REVOKE ALL ON customers, orders FROM like_reader")
        await conn.close()
    assert [name for name, _ in derived.fallback] == ["orders.note"]
    assert "not readable" in derived.fallback[0][1]
    assert derived.scenario.table("orders").column("note").spec.gen != "shaped"
    assert derived.scenario.table("orders").column("status").spec.gen == "shaped"
