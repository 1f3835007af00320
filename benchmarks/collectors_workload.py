"""The database and client load that bench_collectors.py watches.

A catalog of the size the collectors meet in real life (1,000 tables over a few
schemas, each with a primary key and one or two secondary indexes, ANALYZEd, a
handful bloated by dead tuples), a few hundred distinct pg_stat_statements entries,
and a crowd of client sessions run in a separate process so that their CPU never
counts as the console's.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

import asyncpg

SCHEMAS = ("sales", "billing", "inventory", "audit")
LOCK_TABLE = "sales.t0000"  # the one row that the lock holder and its waiters fight over


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    rows: int
    extra_cols: int   # columns beyond the common six: wider tables, more pg_attribute/pg_stats rows
    indexes: int      # secondary indexes (1 or 2)
    dead: bool        # gets dead tuples and autovacuum off

    @property
    def qname(self) -> str:
        return f"{self.schema}.{self.name}"


def plan_tables(n: int, seed: int = 2) -> list[Table]:
    """Mostly a few hundred rows, one table in ten a few thousand; eight with dead tuples."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        big = i % 10 == 3
        rows = rnd.randint(2000, 8000) if big else rnd.randint(100, 900)
        out.append(Table(SCHEMAS[i % len(SCHEMAS)], f"t{i:04d}", rows, rnd.choice((0, 0, 2, 4, 8)),
                         rnd.choice((1, 1, 2)), big and i % 120 == 3))
    return out


def table_ddl(t: Table) -> str:
    extra = "".join(f", attr{k} {'int' if k % 2 else 'text'}" for k in range(t.extra_cols))
    extra_vals = "".join(f", (g * 31 + {k}) % 1000" if k % 2 else f", left(md5((g + {k})::text), 12)"
                         for k in range(t.extra_cols))
    idx2 = (f"CREATE INDEX {t.name}_status_created ON {t.qname} (status, created_at);"
            if t.indexes > 1 else "")
    return (
        f"CREATE TABLE {t.qname} (id bigint PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL,"
        f" amount numeric(12,2), created_at timestamptz NOT NULL, note text{extra});"
        f"INSERT INTO {t.qname} SELECT g, (g * 7919) % 500, (ARRAY['new','paid','shipped','void'])[1 + g % 4],"
        f" (g % 1000) / 10.0, now() - g * interval '1 minute',"
        f" CASE WHEN g % 5 = 0 THEN NULL ELSE md5(g::text) END{extra_vals}"
        f" FROM generate_series(1, {t.rows}) g;"
        f"CREATE INDEX {t.name}_customer ON {t.qname} (customer_id);{idx2}"
    )


async def _in_parallel(conns: list[asyncpg.Connection], jobs: list[str]) -> None:
    queue = list(reversed(jobs))

    async def drain(c):
        while queue:
            await c.execute(queue.pop())
    await asyncio.gather(*(drain(c) for c in conns))


async def build(connect, tables: list[Table], app_role: str, monitor_role: str,
                log=print) -> None:
    """Create and load the tables, VACUUM ANALYZE, then plant dead tuples.

    `connect()` opens a superuser session on the bench database. Setup runs with
    pg_stat_statements tracking off so its DDL does not fill the statements view.
    """
    quiet = {"pg_stat_statements.track": "none", "synchronous_commit": "off",
             "maintenance_work_mem": "64MB"}
    conns = [await connect(quiet) for _ in range(3)]
    try:
        t0 = time.perf_counter()
        schemas = "".join(f"CREATE SCHEMA {s};GRANT USAGE ON SCHEMA {s} TO {app_role}, {monitor_role};"
                          for s in SCHEMAS)
        await conns[0].execute(schemas)
        await _in_parallel(conns, [table_ddl(t) for t in tables])
        for s in SCHEMAS:
            # the monitoring role may read the tables, so pg_stats shows it their columns
            await conns[0].execute(f"GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA {s} TO {app_role};"
                                   f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {monitor_role};")
        log(f"  created {len(tables)} tables, {sum(t.rows for t in tables):,} rows "
            f"in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        chunks = [tables[i::2] for i in range(2)]
        await _in_parallel(conns[:2], ["VACUUM (ANALYZE) " + ", ".join(t.qname for t in c) for c in chunks])
        dead = [t for t in tables if t.dead]
        for t in dead:
            await conns[0].execute(
                f"ALTER TABLE {t.qname} SET (autovacuum_enabled = false);"
                f"UPDATE {t.qname} SET amount = amount + 1 WHERE id % 2 = 0;"
                f"UPDATE {t.qname} SET note = coalesce(note, 'x') WHERE id % 3 = 0;"
                f"DELETE FROM {t.qname} WHERE id % 10 = 0;ANALYZE {t.qname};")
        log(f"  VACUUM ANALYZE, dead tuples in {len(dead)} tables: {time.perf_counter() - t0:.1f} s")
    finally:
        for c in conns:
            await c.close()


STATEMENT_SHAPES = (
    "SELECT * FROM {t} WHERE id = $1",
    "SELECT count(*), sum(amount) FROM {t} WHERE customer_id = $1",
    "SELECT id, status FROM {t} WHERE status = 'paid' AND created_at > now() - $1 * interval '1 hour'"
    " ORDER BY created_at DESC LIMIT 20",
    "UPDATE {t} SET amount = amount WHERE id = $1",
)


async def make_statements(conn: asyncpg.Connection, tables: list[Table], n: int, seed: int = 5) -> int:
    """Run n distinct statements (shape x table), each a few times, as the application role."""
    rnd = random.Random(seed)
    done = 0
    for i in range(n):
        t = tables[(i * 7) % len(tables)]
        sql = STATEMENT_SHAPES[i % len(STATEMENT_SHAPES)].format(t=t.qname)
        for _ in range(rnd.randint(1, 6)):
            await conn.fetch(sql, rnd.randint(1, 500))
        done += 1
    return done


# --- the client crowd (runs in a child process) -------------------------------------

@dataclass(frozen=True)
class Crowd:
    clients: int = 300
    idle_in_tx: int = 30
    sleepers: int = 6       # active: SELECT pg_sleep() in a loop
    busy: int = 8           # active: small queries, 10 a second each
    lock_waiters: int = 3   # active, wait_event_type = Lock, behind one idle-in-transaction holder

    def kinds(self) -> list[str]:
        fixed = (["holder"] + ["waiter"] * self.lock_waiters + ["sleep"] * self.sleepers
                 + ["busy"] * self.busy + ["idle_tx"] * self.idle_in_tx)
        return (fixed + ["idle"] * max(self.clients - len(fixed), 0))[:max(self.clients, 1)]


def crowd_main(kwargs: dict, crowd: Crowd, tables: list[str], ready, stop, errors) -> None:
    """Child-process entry point: hold the sessions until `stop` is set."""
    try:
        asyncio.run(_crowd(kwargs, crowd, tables, ready, stop))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which stops the run
        errors.put(f"{type(exc).__name__}: {exc}")
        ready.set()


async def _crowd(kwargs, crowd: Crowd, tables: list[str], ready, stop) -> None:
    rnd = random.Random(11)
    sem = asyncio.Semaphore(12)
    kinds = crowd.kinds()

    async def connect(kind):
        async with sem:
            return await asyncpg.connect(**kwargs, server_settings={"application_name": f"bench-{kind}"})

    conns = await asyncio.gather(*(connect(k) for k in kinds))
    by_kind: dict[str, list] = {}
    for k, c in zip(kinds, conns):
        by_kind.setdefault(k, []).append(c)
    stopping = asyncio.Event()

    async def watch_stop():
        while not stop.is_set():
            await asyncio.sleep(0.1)
        stopping.set()

    async def sleeper(c):
        while not stopping.is_set():
            await c.execute("SELECT pg_sleep(1.5)")

    async def busy(c):
        while not stopping.is_set():
            await c.fetch(f"SELECT count(*), sum(amount) FROM {rnd.choice(tables[:50])} "
                          "WHERE customer_id = $1", rnd.randint(1, 500))
            await asyncio.sleep(0.1)

    for c in by_kind.get("idle_tx", []):
        await c.execute(f"BEGIN; SELECT count(*) FROM {rnd.choice(tables)}")
    holder = by_kind["holder"][0]  # kinds() always starts with it
    await holder.execute(f"BEGIN; UPDATE {LOCK_TABLE} SET amount = amount WHERE id = 1")
    tasks = [asyncio.create_task(watch_stop())]
    tasks += [asyncio.create_task(c.execute(f"UPDATE {LOCK_TABLE} SET amount = amount WHERE id = 1"))
              for c in by_kind.get("waiter", [])]
    tasks += [asyncio.create_task(sleeper(c)) for c in by_kind.get("sleep", [])]
    tasks += [asyncio.create_task(busy(c)) for c in by_kind.get("busy", [])]
    await asyncio.sleep(1.0)  # waiters queued, sleepers inside pg_sleep
    ready.set()
    await stopping.wait()
    await holder.execute("ROLLBACK")  # releases the waiters
    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
    await asyncio.gather(*(c.close(timeout=5) for c in conns), return_exceptions=True)
