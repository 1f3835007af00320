"""--infer: an existing schema filled from its catalog, in foreign-key order."""

from __future__ import annotations

import asyncpg
import pytest

from pgconsole.errors import PgConsoleError
from pgconsole.seed import SeedOptions, make_plan, run_seed
from pgconsole.seed.infer import infer_scenario

SCHEMA = """
CREATE SCHEMA "HR";
CREATE TYPE "HR".mood AS ENUM ('happy', 'sad', 'meh');
CREATE DOMAIN "HR".positive_money AS numeric(10,2) CHECK (VALUE > 0);
CREATE TABLE "HR".teams (id serial PRIMARY KEY, name text NOT NULL UNIQUE, lead_id bigint);
CREATE TABLE "HR"."Employees" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(120) NOT NULL UNIQUE,
    first_name text NOT NULL,
    last_name text NOT NULL,
    manager_id bigint REFERENCES "HR"."Employees"(id),
    team_id int NOT NULL REFERENCES "HR".teams(id),
    salary "HR".positive_money,
    age int CHECK (age BETWEEN 18 AND 70),
    status text NOT NULL CHECK (status IN ('active', 'on_leave', 'gone')),
    mood "HR".mood,
    hired_at timestamptz NOT NULL DEFAULT now(),
    left_at timestamptz,
    is_remote boolean NOT NULL DEFAULT false,
    tags text[],
    profile jsonb,
    full_name text GENERATED ALWAYS AS (first_name || ' ' || last_name) STORED,
    CHECK (left_at > hired_at)
);
ALTER TABLE "HR".teams ADD FOREIGN KEY (lead_id) REFERENCES "HR"."Employees"(id);
CREATE TABLE "HR".memberships (
    employee_id bigint NOT NULL REFERENCES "HR"."Employees"(id),
    team_id int NOT NULL REFERENCES "HR".teams(id),
    role text, joined_on date,
    UNIQUE (employee_id, team_id)
);
CREATE TABLE "HR".skills (
    code char(4) NOT NULL, level smallint NOT NULL CHECK (level > 0 AND level <= 3),
    PRIMARY KEY (code, level)
);
"""


async def setup(params):
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    await conn.execute(SCHEMA)
    return conn


async def test_infer_fills_self_reference_cycle_and_composite_unique(fresh_db):
    conn = await setup(fresh_db)
    try:
        scen = await infer_scenario(fresh_db, "HR")
        assert [t.name for t in scen.tables] == ["Employees", "memberships", "skills", "teams"]
        plan = make_plan(scen, SeedOptions(schema="HR", rows={"skills": 50}), existing_schema=True)
        summary = await run_seed(fresh_db, plan)
        counts = {t.table: t.rows_done for t in summary.tables}
        assert counts == {"Employees": 1000, "memberships": 1000, "skills": 50, "teams": 1000}
        emp = await conn.fetchrow(
            'SELECT count(*) AS n, count(DISTINCT email) AS emails, '
            'count(*) FILTER (WHERE manager_id IS NULL) AS roots, '
            'count(*) FILTER (WHERE manager_id >= id) AS loops, '
            "count(*) FILTER (WHERE status NOT IN ('active', 'on_leave', 'gone')) AS bad_status, "
            'count(*) FILTER (WHERE left_at <= hired_at) AS bad_order, min(age) AS young, max(age) AS old, '
            "min(salary) AS low, bool_and(email LIKE '%@%') AS emails_ok, "
            "count(*) FILTER (WHERE full_name <> first_name || ' ' || last_name) AS bad_generated "
            'FROM "HR"."Employees"')
        assert emp["n"] == emp["emails"] == 1000 and emp["loops"] == 0   # managers are earlier rows
        assert 100 < emp["roots"] < 300                                  # a forest, 20% roots
        assert emp["bad_status"] == emp["bad_order"] == emp["bad_generated"] == 0
        assert 18 <= emp["young"] and emp["old"] <= 70 and emp["low"] > 0 and emp["emails_ok"]
        # the cycle (teams.lead_id -> Employees -> teams): teams loaded with NULL leads, set after
        assert await conn.fetchval('SELECT count(*) FROM "HR".teams t JOIN "HR"."Employees" e ON e.id = t.lead_id') \
            == 1000
        pairs = await conn.fetchrow('SELECT count(*) AS n, count(DISTINCT (employee_id, team_id)) AS d '
                                    'FROM "HR".memberships')
        assert pairs["n"] == pairs["d"] == 1000
        skills = await conn.fetchrow('SELECT count(DISTINCT (code, level)) AS d, min(level) AS lo, '
                                     'max(level) AS hi FROM "HR".skills')
        assert skills["d"] == 50 and (skills["lo"], skills["hi"]) == (1, 3)
        # the identity sequence moved past the seeded ids
        assert await conn.fetchval("""SELECT nextval(pg_get_serial_sequence('"HR"."Employees"', 'id'))""") == 1001
    finally:
        await conn.close()


async def test_infer_refuses_tables_with_rows_and_missing_schemas(fresh_db):
    conn = await setup(fresh_db)
    try:
        await conn.execute('INSERT INTO "HR".skills VALUES (\'ab\', 1)')
        plan = make_plan(await infer_scenario(fresh_db, "HR"), SeedOptions(schema="HR"), existing_schema=True)
        with pytest.raises(PgConsoleError, match=r'"HR".skills already has rows'):
            await run_seed(fresh_db, plan)
        assert await conn.fetchval('SELECT count(*) FROM "HR"."Employees"') == 0
        with pytest.raises(PgConsoleError, match="schema 'nope' does not exist"):
            await infer_scenario(fresh_db, "nope")
    finally:
        await conn.close()


async def test_infer_keeps_facts_across_tables(fresh_db):
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        await conn.execute("""
            CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                                 created_at timestamptz NOT NULL);
            CREATE TABLE order_items (id bigserial PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders,
                                      customer_id bigint NOT NULL REFERENCES customers, qty int NOT NULL,
                                      created_at timestamptz NOT NULL)""")
        scen = await infer_scenario(fresh_db, "public")
        items = scen.table("order_items")
        assert items.column("customer_id").spec.params == {"same_as": "order_id.customer_id"}
        await run_seed(fresh_db, make_plan(scen, SeedOptions(rows={"customers": 200, "orders": 1000,
                                                                  "order_items": 3000}), existing_schema=True))
        r = await conn.fetchrow("""
            SELECT (SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id
                    WHERE i.customer_id <> o.customer_id OR i.created_at < o.created_at) AS items,
                   (SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id
                    WHERE o.created_at < c.created_at) AS orders,
                   (SELECT count(DISTINCT customer_id) FROM order_items) AS customers""")
        assert (r["items"], r["orders"]) == (0, 0) and r["customers"] > 50
    finally:
        await conn.close()
