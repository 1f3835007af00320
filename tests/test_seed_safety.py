"""What a seed must never do (touch rows it was not offered, leave half a table) and must
always do (the same data for the same seed, whatever --jobs)."""

from __future__ import annotations

import asyncio
import tomllib

import asyncpg
import pytest

from pgconsole.errors import PgConsoleError
from pgconsole.seed import SeedCancelled, SeedOptions, make_plan, run_seed
from pgconsole.seed.scenario import parse_scenario

# every generator kind, quoted and unicode names, a composite key enumerated from two refs
MIXED = r'''
description = "every generator"
[tables."Órgs"]
rows = 30
primary_key = "id"
[tables."Órgs".columns]
id = { type = "bigint", gen = "serial", start = 100, step = 10 }
"Näme \"q\"" = { type = "text", faker = "company", unique = true }
code = { type = "text", gen = "serial", format = "ORG-{:05d}", unique = true }
[tables.people]
rows = {people}
primary_key = "id"
unique = [["org", "team"]]
indexes = ["born", { columns = ["prefs"], using = "gin" }]
checks = ["height > 0"]
[tables.people.columns]
id = { type = "uuid" }
org = { type = "bigint", ref = "Órgs.id", dist = "zipf", s = 1.3 }
team = { type = "smallint", gen = "uniform", min = 1, max = 5000 }
email = { type = "varchar(80)", faker = "email", unique = true }
token = { type = "text", gen = "hex", length = 24, unique = true }
height = { type = "real", gen = "normal", mean = 170, stddev = 9, min = 120 }
balance = { type = "numeric(12,2)", gen = "exponential", mean = 300, null = 0.2 }
visits = { type = "integer", gen = "zipf", min = 0, max = 50 }
active = { type = "boolean", gen = "bool", p = 0.7 }
born = { type = "date", start = 1950-01-01, end = 2005-12-31 }
seen = { type = "timestamptz", start = 2024-01-01T00:00:00Z, end = 2024-12-31T00:00:00Z, mode = "sequential", jitter = "1h" }
left = { type = "timestamp", after = "seen", max_delay = "30d", null = 0.5 }
ip = { type = "inet", gen = "ipv4" }
tags = { type = "text[]", gen = "list", item = { faker = "word" }, min = 0, max = 3 }
prefs = { type = "jsonb", json = { theme = { choice = ["dark", "light"] }, n = { gen = "uniform", min = 1, max = 9 }, at = { gen = "timestamp", start = 2024-01-01, end = 2024-02-01 }, id = { gen = "uuid" }, tags = { gen = "list", item = { choice = ["x", "y"] }, max = 2 }, opt = { faker = "word", omit = 0.5 } } }
kind = { type = "text", value = "person" }
'''


def scenario(people: int = 500, text: str = MIXED):
    return parse_scenario(tomllib.loads(text.replace("{people}", str(people))), "mixed", "mixed.toml")


async def seed(params, scen=None, **opts):
    return await run_seed(params, make_plan(scen or scenario(), SeedOptions(**opts)))


async def sql(params, query: str, *args, fetch: str = "fetch"):
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return await getattr(conn, fetch)(query, *args)
    finally:
        await conn.close()


async def digest(params, schema: str = "public") -> dict[str, str]:
    tables = [r[0] for r in await sql(params, "SELECT relname FROM pg_class c JOIN pg_namespace n ON "
                                              "n.oid = relnamespace WHERE nspname = $1 AND relkind = 'r'", schema)]
    out = {}
    for t in sorted(tables):
        out[t] = await sql(params, f'SELECT md5(string_agg(x::text, \'|\' ORDER BY x::text)) FROM "{schema}"."{t}" x',
                           fetch="fetchval")
    return out


async def test_every_generator_loads_with_quoted_unicode_names(fresh_db):
    s = await seed(fresh_db, schema="Dät a")
    assert s.rows == 530
    r = await sql(fresh_db, 'SELECT count(DISTINCT "Näme ""q""") AS names, min(id) AS lo, max(id) AS hi, '
                            "min(code) AS code FROM \"Dät a\".\"Órgs\"", fetch="fetchrow")
    assert (r["names"], r["lo"], r["hi"], r["code"]) == (30, 100, 390, "ORG-00001")
    p = await sql(fresh_db, 'SELECT count(DISTINCT (org, team)) AS pairs, avg(height) AS h, '
                            "avg((balance IS NULL)::int)::float8 AS nulls, bool_and(kind = 'person') AS k, "
                            "bool_and(\"left\" IS NULL OR \"left\" >= seen::timestamp) AS ordered, "
                            "max(cardinality(tags)) AS tags, count(*) FILTER (WHERE prefs ? 'opt') AS opt "
                            'FROM "Dät a".people', fetch="fetchrow")
    assert p["pairs"] == 500 and p["h"] == pytest.approx(170, abs=2) and p["k"] and p["ordered"]
    assert p["nulls"] == pytest.approx(0.2, abs=0.06) and p["tags"] == 3 and 180 < p["opt"] < 320
    assert "people_org_team_key" in s.built and "people_check" in s.built


LEAN = """
description = "three chunks of one table"
[tables.t]
rows = 70000
[tables.t.columns]
id = { type = "uuid" }
email = { type = "text", faker = "email", unique = true }
n = { type = "integer", gen = "zipf", min = 1, max = 100 }
at = { type = "timestamptz", start = 2024-01-01, end = 2025-01-01, mode = "recent" }
doc = { type = "jsonb", json = { k = { faker = "word" }, v = { gen = "lognormal", median = 9, sigma = 1 } } }
"""


async def test_same_seed_same_bytes_whatever_the_jobs(fresh_db):
    lean = parse_scenario(tomllib.loads(LEAN), "lean", "lean.toml")
    await seed(fresh_db, lean, seed=7, jobs=0, schema="thread", analyze=False)
    await seed(fresh_db, lean, seed=7, jobs=2, schema="procs", analyze=False)   # two generator processes
    await seed(fresh_db, lean, seed=8, jobs=0, schema="other", analyze=False)
    first = await digest(fresh_db, "thread")
    assert first == await digest(fresh_db, "procs")
    assert first["t"] != (await digest(fresh_db, "other"))["t"]
    s1, s2 = await seed(fresh_db, scenario(300), seed=3, schema="a"), await seed(fresh_db, scenario(300), seed=3,
                                                                                 schema="b")
    assert s1.rows == s2.rows and await digest(fresh_db, "a") == await digest(fresh_db, "b")


async def test_a_table_with_rows_is_never_touched(fresh_db):
    await sql(fresh_db, "CREATE TABLE people (id uuid, note text); INSERT INTO people VALUES (NULL, 'mine')",
              fetch="execute")
    with pytest.raises(PgConsoleError, match=r"public.people already has rows: pgconsole seed never touches "
                                             r"them \(use --truncate to replace the rows, --append to add more\)"):
        await seed(fresh_db)
    # refused before anything was written: the other table was not created either
    assert await sql(fresh_db, "SELECT to_regclass('\"Órgs\"')", fetch="fetchval") is None
    assert await sql(fresh_db, "SELECT note FROM people", fetch="fetchval") == "mine"


async def test_truncate_replaces_and_append_adds(fresh_db):
    small = scenario(200)
    await seed(fresh_db, small)
    before = await digest(fresh_db)
    await sql(fresh_db, "CREATE INDEX mine ON people (height)", fetch="execute")
    s = await seed(fresh_db, small, mode="truncate")
    assert await digest(fresh_db) == before            # same seed, same rows
    # what the first seed built was dropped for the load and rebuilt; the user's index stayed
    assert {"people_born_idx", "people_org_fkey"} <= set(s.built) and "people_pkey" not in s.built
    assert await sql(fresh_db, "SELECT obj_description('people_born_idx'::regclass, 'pg_class')",
                     fetch="fetchval") == "pgconsole seed"
    assert await sql(fresh_db, "SELECT to_regclass('mine') IS NOT NULL", fetch="fetchval")
    s = await seed(fresh_db, small, mode="append")
    assert s.rows == 230
    r = await sql(fresh_db, "SELECT count(*) AS n, count(DISTINCT id) AS ids, count(DISTINCT email) AS emails "
                            "FROM people", fetch="fetchrow")
    assert tuple(r) == (400, 400, 400)
    orgs = await sql(fresh_db, 'SELECT count(DISTINCT id), max(id) FROM "Órgs"', fetch="fetchrow")
    assert tuple(orgs) == (60, 690)                    # serial keys continue after the rows there


async def test_cancel_mid_table_leaves_nothing(fresh_db):
    await sql(fresh_db, "CREATE SCHEMA s", fetch="execute")
    cancel = asyncio.Event()
    seen = []

    def progress(p):
        seen.append(p)
        if p.table == "people" and p.rows_done >= 20_000:
            cancel.set()

    plan = make_plan(scenario(100_000), SeedOptions(schema="s", jobs=0))
    with pytest.raises(SeedCancelled, match="nothing was committed"):
        await run_seed(fresh_db, plan, progress=progress, cancel=cancel)
    assert any(p.table == "people" and 0 < p.rows_done < 100_000 for p in seen)
    assert await sql(fresh_db, "SELECT count(*) FROM pg_class WHERE relnamespace = 's'::regnamespace",
                     fetch="fetchval") == 0


async def test_failure_mid_table_names_the_table_and_cause_and_rolls_back(fresh_db):
    # an existing empty table whose CHECK a few generated rows break, some way in: nothing stays
    await sql(fresh_db, 'CREATE TABLE people (id uuid, org bigint, team smallint, email varchar(80), token text, '
                        'height real, balance numeric(12,2), visits integer, active boolean, born date, '
                        'seen timestamptz, "left" timestamp, ip inet, tags text[], prefs jsonb, kind text, '
                        "CHECK (height < 195))", fetch="execute")
    with pytest.raises(PgConsoleError) as e:
        await seed(fresh_db, scenario(30_000))
    msg = str(e.value)
    assert "table public.people" in msg and "people_height_check" in msg and "nothing was committed" in msg
    assert await sql(fresh_db, "SELECT count(*) FROM people", fetch="fetchval") == 0
    assert await sql(fresh_db, "SELECT to_regclass('\"Órgs\"')", fetch="fetchval") is None


async def test_mismatched_existing_table_is_refused_naming_the_column(fresh_db):
    await sql(fresh_db, 'CREATE TABLE "Órgs" (id bigint, "Näme ""q""" integer, code text)', fetch="execute")
    with pytest.raises(PgConsoleError, match=r'table public\."Órgs" exists but column \'Näme "q"\' is integer, '
                                             r"the scenario says text"):
        await seed(fresh_db)
    assert await sql(fresh_db, "SELECT to_regclass('people')", fetch="fetchval") is None
