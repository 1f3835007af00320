"""--infer respects every CHECK form the README lists, on every type it applies to.

The server enforces the CHECKs while the rows are copied, so one seed of all these tables
fails on the first value that breaks one; the queries after it show the values are real
(not NULL, not a single constant) and the self-reference forms a forest.
"""

from __future__ import annotations

import asyncpg
import pytest

from pgconsole.errors import PgConsoleError
from pgconsole.seed import SeedOptions, make_plan, run_seed
from pgconsole.seed.infer import infer_scenario

# col >= n, col > n, col < n, col <= n and BETWEEN (printed back as two comparisons)
BOUNDS = """
CREATE TABLE ck.bounds (
    a smallint NOT NULL CHECK (a >= 0),
    b integer NOT NULL CHECK (b > -5),
    c bigint NOT NULL CHECK (c < 10),
    d numeric(8,2) NOT NULL CHECK (d > 0),
    e real NOT NULL CHECK (e > 0.5 AND e < 10),
    f double precision NOT NULL CHECK (f >= -2.5),
    g numeric(6,2) NOT NULL CHECK (g BETWEEN -5 AND 5.5),
    age integer NOT NULL CHECK (age BETWEEN 18 AND 70),
    price numeric(10,2) NOT NULL CHECK (price <= 20),
    on_day date NOT NULL CHECK (on_day BETWEEN '2020-01-01' AND '2020-12-31'),
    since timestamptz NOT NULL CHECK (since >= '2031-01-01'),
    until timestamp NOT NULL CHECK (until < '2000-01-01'),
    created_at timestamptz NOT NULL CHECK (created_at > '2024-06-01' AND created_at <= '2024-06-30')
);
"""
# col IN (...) (printed back as col = ANY (ARRAY[...]))
CHOICES = """
CREATE TABLE ck.choices (
    t text NOT NULL CHECK (t IN ('x', 'it''s', 'z')),
    v varchar(10) NOT NULL CHECK (v IN ('ab', 'cd')),
    status char(3) NOT NULL CHECK (status IN ('new', 'old')),
    s smallint NOT NULL CHECK (s IN (1, 2, -3)),
    i integer NOT NULL CHECK (i IN (10, 20)),
    l bigint NOT NULL CHECK (l IN (7, 8)),
    n numeric(6,2) NOT NULL CHECK (n IN (1.5, 2.25, -1))
);
"""
# a < b, a <= b, b > a: numbers, dates, times
ORDERS = """
CREATE TABLE ck.orders (
    lo integer NOT NULL, hi integer NOT NULL CHECK (lo < hi),
    small smallint NOT NULL, big bigint NOT NULL CHECK (big > small),
    x numeric(8,2) NOT NULL, y numeric(8,2) NOT NULL CHECK (x < y),
    p double precision NOT NULL, q double precision NOT NULL CHECK (p < q),
    r real NOT NULL, s real NOT NULL CHECK (r <= s),
    starts_on date NOT NULL, ends_on date NOT NULL CHECK (starts_on < ends_on),
    first_day date NOT NULL, last_day date NOT NULL CHECK (first_day <= last_day),
    t0 timestamp NOT NULL, t1 timestamp NOT NULL CHECK (t0 < t1),
    z0 timestamptz NOT NULL, z1 timestamptz NOT NULL CHECK (z0 < z1),
    opens time NOT NULL, closes time NOT NULL CHECK (opens < closes),
    floor_ integer NOT NULL CHECK (floor_ >= 0), ceiling_ integer NOT NULL CHECK (ceiling_ <= 1000),
    CHECK (floor_ < ceiling_)
);
"""
# char_length(col) <= n, length(col) < n, on names that pick a Faker provider and on others
LENGTHS = """
CREATE TABLE ck.lengths (
    nickname text NOT NULL CHECK (char_length(nickname) <= 10),
    email varchar(80) NOT NULL CHECK (char_length(email) <= 12),
    title text NOT NULL CHECK (length(title) < 8),
    description text NOT NULL CHECK (char_length(description) <= 12),
    ip text NOT NULL CHECK (char_length(ip) <= 9),
    city varchar(40) NOT NULL CHECK (char_length(city) <= 5),
    code text NOT NULL CHECK (length(code) < 5)
);
"""
TREE = """
CREATE TABLE ck.departments (id serial PRIMARY KEY, name text NOT NULL,
                             parent_id integer REFERENCES ck.departments (id));
"""


@pytest.fixture(scope="module")
def seeded(pg_params):
    from findings_support import database, run

    async def fill(params):
        conn = await asyncpg.connect(**params.asyncpg_kwargs())
        try:
            await conn.execute("CREATE SCHEMA ck;" + BOUNDS + CHOICES + ORDERS + LENGTHS + TREE)
        finally:
            await conn.close()
        scen = await infer_scenario(params, "ck")
        await run_seed(params, make_plan(scen, SeedOptions(schema="ck", scale=0.5, seed=3), existing_schema=True))

    with database(pg_params, "inferchecks") as params:
        run(fill(params))
        yield params


async def fetchrow(params, sql: str):
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return await conn.fetchrow(sql)
    finally:
        await conn.close()


async def test_bounds_choices_and_orders_hold_with_real_values(seeded):
    # the server checked every row; these show the values are spread, not one edge
    r = await fetchrow(seeded, "SELECT count(*) n, count(DISTINCT c) c, count(DISTINCT e) e, count(DISTINCT g) g, "
                               "count(DISTINCT on_day) on_day, min(age) young, max(age) old, max(c) c_top, "
                               "count(DISTINCT price) price FROM ck.bounds")
    assert r["n"] == 500 and min(r["c"], r["e"], r["g"], r["on_day"], r["price"]) > 5
    assert r["young"] >= 18 and r["old"] <= 70 and r["c_top"] <= 9
    r = await fetchrow(seeded, "SELECT count(DISTINCT t) t, count(DISTINCT s) s, count(DISTINCT n) n, "
                               "bool_or(t = 'it''s') quote FROM ck.choices")
    assert (r["t"], r["s"], r["n"], r["quote"]) == (3, 3, 3, True)
    r = await fetchrow(seeded, "SELECT count(DISTINCT hi - lo) gaps, count(DISTINCT ends_on - starts_on) days, "
                               "count(*) FILTER (WHERE first_day = last_day) same_day, "
                               "count(DISTINCT closes - opens) hours, max(ceiling_) top FROM ck.orders")
    assert r["gaps"] > 10 and r["days"] > 10 and r["hours"] > 10 and r["top"] <= 1000


async def test_lengths_are_cut_to_the_check(seeded):
    r = await fetchrow(seeded, "SELECT max(char_length(nickname)) nick, count(DISTINCT nickname) nicks, "
                               "max(char_length(email)) email, max(char_length(title)) title, "
                               "max(char_length(ip)) ip, max(length(code)) code FROM ck.lengths")
    assert r["nick"] <= 10 and r["nicks"] > 50 and r["email"] <= 12 and r["title"] <= 7
    assert r["ip"] <= 9 and r["code"] <= 4


async def test_self_reference_points_only_at_earlier_rows(seeded):
    r = await fetchrow(seeded, "SELECT count(*) FILTER (WHERE parent_id >= id) loops, "
                               "(SELECT parent_id FROM ck.departments ORDER BY id LIMIT 1) first_parent, "
                               "count(*) FILTER (WHERE parent_id IS NULL) roots FROM ck.departments")
    assert r["loops"] == 0 and r["first_parent"] is None and r["roots"] > 1


async def test_a_violated_check_is_reported_once_on_one_line(fresh_db):
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        await conn.execute("CREATE TABLE odd (n integer NOT NULL CHECK (n % 2 = 1))")
    finally:
        await conn.close()
    plan = make_plan(await infer_scenario(fresh_db, "public"), SeedOptions(rows={"odd": 100}), existing_schema=True)
    with pytest.raises(PgConsoleError) as err:
        await run_seed(fresh_db, plan)
    msg = str(err.value)
    assert "odd_n_check" in msg and msg.count("Failing row contains") == 1 and "\n" not in msg, msg
