"""Seeding speed: pgconsole's seeder beside the naive path and the COPY ceiling, same server, same run.

    .venv/bin/python benchmarks/bench_seed.py                 # starts its own embedded server
    .venv/bin/python benchmarks/bench_seed.py --dsn URI       # or uses yours (creates a database)

Two table shapes from issue 4: users-like (uuid, unique email, name, phone, city, two
timestamps, small JSONB) and events-like (bigint id, FK to users skewed, the user's city
and a time after the user signed up, both through the foreign key (issue 18's cross-table
columns), event type, JSONB payload). For each:
  seeder   pgconsole seed end to end (generation in worker processes + binary COPY);
           "load" is the COPY phase, "total" adds the primary key, unique and FK builds
  naive    Faker called per cell + asyncpg executemany INSERT, a few thousand rows
  ceiling  the very same rows pre-encoded in memory, binary COPY over two sessions into
           a bare table: the server's limit for these bytes
Then `seed --like` once: the events database (1M events, 20,000 users) seeded and analyzed
as a source, shaped into an empty database (derive from pg_stats, create, load, VACUUM
ANALYZE, compare statistics and plans).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from bench_pgbench_overhead import machine  # noqa: E402  (the same machine line as the other benchmarks)

from pgconsole.conninfo import ConnParams, resolve  # noqa: E402
from pgconsole.seed import SeedOptions, make_plan, run_seed  # noqa: E402
from pgconsole.seed.encode import HEADER, TRAILER  # noqa: E402
from pgconsole.seed.generate import GenJob, Generator, emit_order  # noqa: E402
from pgconsole.seed.like_run import compare_like, plan_like  # noqa: E402
from pgconsole.seed.load import _widen_send_buffer  # noqa: E402
from pgconsole.seed.plan import CHUNK_ROWS  # noqa: E402
from pgconsole.seed.scenario import parse_scenario  # noqa: E402

SCENARIO = """
description = "benchmark shapes"

[tables.users]
rows = {users}
primary_key = "id"
[tables.users.columns]
id = {{ type = "uuid" }}
email = {{ type = "text", faker = "email", unique = true }}
name = {{ type = "text", faker = "name" }}
phone = {{ type = "text", faker = "phone_number" }}
city = {{ type = "text", faker = "city" }}
created_at = {{ type = "timestamptz", start = 2020-01-01T00:00:00Z, end = 2025-06-30T00:00:00Z, mode = "sequential", jitter = "1h" }}
updated_at = {{ type = "timestamptz", after = "created_at", max_delay = "90d" }}
prefs = {{ type = "jsonb", json = {{ theme = {{ choice = ["dark", "light", "system"] }}, beta = {{ gen = "bool", p = 0.1 }}, lang = {{ choice = {{ en = 6, de = 2, fr = 1, ja = 1 }} }} }} }}

[tables.events]
rows = {events}
primary_key = "id"
[tables.events.columns]
id = {{ type = "bigint", gen = "serial" }}
user_id = {{ type = "uuid", ref = "users.id", dist = "zipf", s = 1.1 }}
event_type = {{ type = "text", choice = {{ page_view = 50, click = 25, scroll = 10, search = 6, add_to_cart = 4, purchase = 2, error = 3 }} }}
city = {{ type = "text", same_as = "user_id.city" }}
occurred_at = {{ type = "timestamptz", between = ["user_id.created_at", 2025-06-30T00:00:00Z] }}
payload = {{ type = "jsonb", json = {{ path = {{ faker = "uri_path" }}, duration_ms = {{ gen = "lognormal", median = 180, sigma = 1.0, decimals = 0 }}, referrer = {{ choice = ["google", "direct", "newsletter", "twitter"], omit = 0.4 }} }} }}
"""
USERS_DDL = ("CREATE TABLE users (id uuid, email text, name text, phone text, city text, "
             "created_at timestamptz, updated_at timestamptz, prefs jsonb)")
EVENTS_DDL = ("CREATE TABLE events (id bigint, user_id uuid, event_type text, city text, occurred_at timestamptz, "
              "payload jsonb)")


async def admin(params: ConnParams, sql: str, db: str | None = None) -> None:
    conn = await asyncpg.connect(**(params.with_database(db) if db else params).asyncpg_kwargs())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh(params: ConnParams, name: str) -> ConnParams:
    """A new database, after a CHECKPOINT: no phase pays for the WAL of the one before."""
    await admin(params, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin(params, f'CREATE DATABASE "{name}"')
    await admin(params, "CHECKPOINT")
    return params.with_database(name)


async def seeder(params: ConnParams, table: str, rows: int, jobs: int | None) -> dict:
    """pgconsole seed end to end: users alone, or events beside a small users table."""
    users, events = (rows, 0) if table == "users" else (20_000, rows)
    p = await fresh(params, "bench_seed")
    scen = parse_scenario(tomllib.loads(SCENARIO.format(users=users, events=events)), "bench")
    s = await run_seed(p, make_plan(scen, SeedOptions(jobs=jobs, analyze=False)))
    t = next(x for x in s.tables if x.table == table)
    return {"rows": t.rows_done, "load_s": t.seconds, "index_s": t.index_seconds, "run_s": s.seconds}


def encoded(n_users: int, n_events: int) -> dict[str, tuple[list[str], list[bytes], int]]:
    """The seeder's own rows for both tables, generated in memory before any timing."""
    scen = parse_scenario(tomllib.loads(SCENARIO.format(users=n_users, events=n_events)), "bench")
    plan = make_plan(scen, SeedOptions())
    gen = Generator(GenJob(plan, {}, {}))
    out = {}
    for tp in plan.tables:
        names = tuple(emit_order(tp, tp.copy_columns))
        chunks = [gen.chunk(tp.name, i, names) for i in range((tp.rows + CHUNK_ROWS - 1) // CHUNK_ROWS)]
        out[tp.name] = (list(names), chunks, tp.rows)
    return out


async def ceiling(params: ConnParams, table: str, data, sessions: int = 2) -> float:
    """rows/s of binary COPY of pre-encoded rows over `sessions` sessions into a bare table."""
    names, chunks, rows = data
    p = await fresh(params, "bench_ceiling")
    await admin(p, USERS_DDL if table == "users" else EVENTS_DDL)
    conns = [await asyncpg.connect(**p.asyncpg_kwargs()) for _ in range(sessions)]
    for c in conns:
        _widen_send_buffer(c)   # the same socket buffer the seeder asks for

    async def one(conn, parts):
        async def src():
            yield HEADER
            for c in parts:
                yield c
            yield TRAILER
        await conn.copy_to_table(table, columns=names, source=src(), format="binary")

    try:
        t = time.perf_counter()
        await asyncio.gather(*(one(c, chunks[k::sessions]) for k, c in enumerate(conns)))
        return rows / (time.perf_counter() - t)
    finally:
        for c in conns:
            await c.close()


async def naive(params: ConnParams, rows: int) -> dict[str, float]:
    """What a hand-written seed script does: Faker per cell, executemany INSERT."""
    import json
    import random
    import uuid

    from faker import Faker
    fake = Faker("en_US")
    fake.seed_instance(1)
    rnd = random.Random(1)
    p = await fresh(params, "bench_naive")
    await admin(p, USERS_DDL + ";" + EVENTS_DDL)
    conn = await asyncpg.connect(**p.asyncpg_kwargs())
    rates = {}
    try:
        t = time.perf_counter()
        ids = []
        batch = []
        for _ in range(rows):
            uid = uuid.uuid4()
            ids.append(uid)
            created = fake.date_time_between("-5y", "now", tzinfo=None)
            batch.append((uid, fake.unique.email(), fake.name(), fake.phone_number(), fake.city(), created,
                          fake.date_time_between(created, "now"),
                          json.dumps({"theme": rnd.choice(["dark", "light"]), "beta": fake.boolean(10)})))
        await conn.executemany("INSERT INTO users VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", batch)
        rates["users"] = rows / (time.perf_counter() - t)
        t = time.perf_counter()
        batch = [(i, rnd.choice(ids), rnd.choice(["page_view", "click", "search"]), fake.city(),
                  fake.date_time_between("-1y", "now"),
                  json.dumps({"path": fake.uri_path(), "duration_ms": fake.random_int(5, 5000)}))
                 for i in range(1, rows + 1)]
        await conn.executemany("INSERT INTO events VALUES ($1, $2, $3, $4, $5, $6)", batch)
        rates["events"] = rows / (time.perf_counter() - t)
    finally:
        await conn.close()
    return rates


async def like(params: ConnParams, users: int, events: int, jobs: int | None) -> dict:
    """seed --like on a source of `events` rows: the source seeded and analyzed first (untimed)."""
    src = await fresh(params, "bench_like_src")
    scen = parse_scenario(tomllib.loads(SCENARIO.format(users=users, events=events)), "bench")
    await run_seed(src, make_plan(scen, SeedOptions(jobs=jobs)))
    tgt = await fresh(params, "bench_like_tgt")
    t0 = time.perf_counter()
    derived, plan = await plan_like(src, tgt, SeedOptions(jobs=jobs))
    t1 = time.perf_counter()
    s = await run_seed(tgt, plan)
    t2 = time.perf_counter()
    cmp = await compare_like(src, tgt, derived, "public")
    t3 = time.perf_counter()
    ev = next(x for x in s.tables if x.table == "events")
    return {"derive_s": t1 - t0, "rows": s.rows, "events_load": ev.rows_done / ev.seconds, "load_s": s.load_seconds,
            "keys_s": s.index_seconds, "seed_s": t2 - t1, "compare_s": t3 - t2, "total_s": t3 - t0,
            "stats": (sum(c.ok for c in cmp.stats), len(cmp.stats)), "plans": (sum(p.ok for p in cmp.plans),
                                                                             len(cmp.plans))}


async def main_async(params: ConnParams, args) -> None:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    version = await conn.fetchval("SHOW server_version")
    await conn.close()
    print(f"machine: {machine()}; Python {platform.python_version()}; PostgreSQL {version}")
    print(f"rows: users {args.users:,}, events {args.events:,}; naive {args.naive:,} rows a table; "
          f"{args.repeat} rounds, seeder and ceiling alternating, medians shown\n")
    data = encoded(args.users, args.events)
    sizes = {"users": args.users, "events": args.events}
    seeds: dict[str, list] = {"users": [], "events": []}
    ceils: dict[str, list] = {"users": [], "events": []}
    for r in range(args.repeat):
        for table in ("users", "events"):
            # alternate which goes first, so drift on a shared machine hits both alike
            if r % 2 == 0:
                seeds[table].append(await seeder(params, table, sizes[table], args.jobs))
                ceils[table].append(await ceiling(params, table, data[table]))
            else:
                ceils[table].append(await ceiling(params, table, data[table]))
                seeds[table].append(await seeder(params, table, sizes[table], args.jobs))
    del data
    slow = await naive(params, args.naive)
    med = statistics.median
    print(f"{'table':8} {'naive rows/s':>13} {'ceiling rows/s':>15} {'seeder load':>12} {'of ceiling':>11} "
          f"{'seeder total':>13} {'keys+FK':>8}  per-round load/ceiling")
    for table in ("users", "events"):
        loads = [s["rows"] / s["load_s"] for s in seeds[table]]
        totals = [s["rows"] / (s["load_s"] + s["index_s"]) for s in seeds[table]]
        rounds = " ".join(f"{x / c:.0%}" for x, c in zip(loads, ceils[table]))
        print(f"{table:8} {slow[table]:>13,.0f} {med(ceils[table]):>15,.0f} {med(loads):>12,.0f} "
              f"{med(loads) / med(ceils[table]):>10.0%} {med(totals):>13,.0f} "
              f"{med(s['index_s'] for s in seeds[table]):>7.2f}s  {rounds}")
    print("\nseeder load = rows / COPY phase (generation overlapped); total adds the primary key, unique and "
          "foreign key builds; ceiling = the same pre-encoded bytes, binary COPY over two sessions, bare table.")
    if args.like:
        r = await like(params, 20_000, args.like, args.jobs)
        print(f"\nseed --like, source of {args.like:,} events + 20,000 users: derive {r['derive_s']:.2f}s, "
              f"load {r['load_s']:.2f}s (events {r['events_load']:,.0f} rows/s), keys + VACUUM ANALYZE "
              f"{r['keys_s']:.2f}s, seed {r['seed_s']:.2f}s, compare {r['compare_s']:.2f}s, total {r['total_s']:.2f}s; "
              f"statistics within tolerance {r['stats'][0]}/{r['stats'][1]}, plans alike {r['plans'][0]}/"
              f"{r['plans'][1]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", help="a server to use instead of a private embedded one")
    ap.add_argument("--users", type=int, default=500_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--naive", type=int, default=3_000, help="rows for the naive path (default 3000)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of seeder and ceiling (default 3)")
    ap.add_argument("--like", type=int, default=1_000_000, metavar="ROWS",
                    help="events in the source of the seed --like row (default 1,000,000; 0: skip it)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="seeder generator processes (default: as pgconsole seed picks; 0: a thread)")
    args = ap.parse_args()
    cluster = root = None
    if args.dsn:
        params = resolve(args.dsn, None)
    else:
        from pgconsole.cluster import LocalCluster
        root = Path(tempfile.mkdtemp(prefix="pgc-bench-seed-"))
        cluster = LocalCluster(root)
        st = cluster.start()
        params = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
    try:
        asyncio.run(main_async(params, args))
    finally:
        if cluster is not None:
            cluster.destroy()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
