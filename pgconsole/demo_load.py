"""A light, varied load so every pane of the console moves: `pgconsole demo` runs it
against its demo database, and the console benchmark borrows its lock chain and
idle sessions.

Sessions: a few application workers (reads, transfers), one session that sits idle
in a transaction, a lock chain that forms and clears every half minute, and a
reporting query now and then. Each task reconnects when its session is cancelled
or terminated (that is what the console's actions do to them) or the server
restarts. Runs on its own event loop in a thread, so the console's loop only
draws.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from typing import Awaitable, Callable

import asyncpg

from . import db, sqlfiles
from .conninfo import ConnParams
from .quoting import quote_ident

V = 130000
LOAD_LIMITS = db.SessionLimits(statement_timeout_ms=60000, lock_timeout_ms=30000)


def sql(name: str) -> str:
    return sqlfiles.load(name, V)


async def app_session(params: ConnParams, limits: db.SessionLimits = db.SessionLimits(),
                      application_name: str = "pgconsole-demo") -> asyncpg.Connection:
    """A session of the simulated application, in the demo's own database: it names its
    tables unqualified, under its role's search_path, as any application would."""
    return await db.connect(params, limits, application_name=application_name, own_search_path=False)


async def prepare_demo_db(admin: ConnParams, database: str) -> bool:
    """Create the demo database and its built-in tables unless they are there. True: created now."""
    conn = await db.connect(admin, application_name="pgconsole-demo")
    try:
        if not await conn.fetchval(sql("demo_db_exists"), database):
            await conn.execute(f"CREATE DATABASE {quote_ident(database)}")
    finally:
        await conn.close()
    conn = await app_session(admin.with_database(database), db.SessionLimits(statement_timeout_ms=600000),
                            application_name="pgconsole-demo")
    try:
        if await conn.fetchval(sql("demo_seeded")):
            return False
        await conn.execute(sql("demo_schema"))
        deadline = time.monotonic() + 3   # the counts reach the statistics, then ANALYZE
        while not await conn.fetchval(sql("demo_stats_flushed")) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await conn.execute(sql("demo_analyze"))   # its own transaction: see the file
        return True
    finally:
        await conn.close()


async def seed_scenario(params: ConnParams, scenario: str = "saas", scale: float = 0.2,
                        say: Callable[[str], object] = print) -> bool:
    """Seed a realistic scenario (pgconsole.seed) into schema `saas` once. True: seeded now."""
    from .seed import SeedOptions, load_scenario, make_plan, run_seed

    conn = await app_session(params, application_name="pgconsole-demo")
    try:
        if await conn.fetchval(sql("demo_saas_seeded")):
            return False
        await conn.execute(sql("demo_saas_prepare"))
    finally:
        await conn.close()
    plan = make_plan(load_scenario(scenario), SeedOptions(scale=scale, seed=7, schema="saas", mode="truncate"))
    say(f"seeding scenario {scenario!r} at scale {scale:g} ({plan.total_rows:,} rows) into schema saas…")
    summary = await run_seed(params, plan)
    conn = await app_session(params, application_name="pgconsole-demo")
    try:
        await conn.execute(sql("demo_saas_done"))
    finally:
        await conn.close()
    say(f"seeded {summary.rows:,} rows in {summary.seconds:.1f}s")
    return True


class DemoLoad:
    def __init__(self, params: ConnParams, workers: int = 4, lock_every_s: float = 30.0,
                 idle_in_xact_s: float = 45.0, rng: random.Random | None = None):
        self.params = params
        self.workers = workers
        self.lock_every_s = lock_every_s
        self.idle_in_xact_s = idle_in_xact_s
        self.rng = rng or random.Random()
        self.stop_event: asyncio.Event | None = None

    async def _connect(self, app: str) -> asyncpg.Connection:
        return await app_session(self.params, LOAD_LIMITS, application_name=app)

    async def _forever(self, name: str, body: Callable[[asyncpg.Connection], Awaitable[None]]) -> None:
        """Run body(conn) again and again; a lost or killed session reconnects after a pause."""
        assert self.stop_event is not None
        while not self.stop_event.is_set():
            conn = None
            try:
                conn = await self._connect(name)
                while not self.stop_event.is_set():
                    await body(conn)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a demo session: come back and carry on
                await asyncio.sleep(1.0)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()

    async def _app_step(self, conn: asyncpg.Connection) -> None:
        r = self.rng
        if r.random() < 0.7:
            await conn.fetch(sql("demo_read"), r.randint(1, 20000))
        else:
            account = r.randint(1, 50000)
            amount = round(r.uniform(-50, 50), 2)
            async with conn.transaction():
                await conn.execute(sql("demo_write"), account, amount)
                await conn.execute(sql("demo_insert"), account, amount)
        await asyncio.sleep(r.uniform(0.02, 0.2))

    async def _idle_in_xact(self, conn: asyncpg.Connection) -> None:
        tr = conn.transaction()
        await tr.start()
        await conn.fetch(sql("demo_hold_row"), self.rng.randint(100, 50000))
        await asyncio.sleep(self.idle_in_xact_s)
        await tr.commit()
        await asyncio.sleep(5)

    async def _report(self, conn: asyncpg.Connection) -> None:
        await conn.fetch(sql("demo_report"), self.rng.randint(1, 60))
        await asyncio.sleep(self.rng.uniform(3, 8))

    async def _lock_chain(self) -> None:
        """Every lock_every_s: one session holds a row for 10 s, two more queue behind it."""
        assert self.stop_event is not None
        while not self.stop_event.is_set():
            await asyncio.sleep(self.lock_every_s / 2)
            with contextlib.suppress(Exception):
                await lock_chain(self.params, account=7, hold_s=10.0, waiters=2)
            await asyncio.sleep(self.lock_every_s / 2)

    async def run(self, stop: asyncio.Event) -> None:
        self.stop_event = stop
        tasks = [asyncio.create_task(self._forever("demo-app", self._app_step)) for _ in range(self.workers)]
        tasks.append(asyncio.create_task(self._forever("demo-batch", self._idle_in_xact)))
        tasks.append(asyncio.create_task(self._forever("demo-report", self._report)))
        tasks.append(asyncio.create_task(self._lock_chain()))
        await stop.wait()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def lock_chain(params: ConnParams, account: int = 7, hold_s: float = 10.0, waiters: int = 2,
                     app: str = "demo-locker") -> None:
    """A blocker holding one row for hold_s while `waiters` sessions queue behind it."""
    head = await app_session(params, LOAD_LIMITS, application_name=app)
    others: list[asyncpg.Connection] = []
    waits: list[asyncio.Task[str]] = []
    try:
        tr = head.transaction()
        await tr.start()
        await head.fetch(sql("demo_hold_row"), account)
        others = [await app_session(params, LOAD_LIMITS, application_name=app) for _ in range(waiters)]
        waits = [asyncio.create_task(o.execute(sql("demo_write"), account, 1)) for o in others]
        await asyncio.sleep(hold_s)
        await tr.commit()
    finally:
        for c in [head, *others]:
            if not c.is_closed():
                c.terminate()
        # cancelled mid-chain (quitting): the waiters fail on their closed sessions; collect
        # that here, or asyncio prints "Task exception was never retrieved" at exit
        for w in waits:
            w.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


class LoadThread:
    """Runs a coroutine factory (taking a stop Event) on its own loop in a daemon thread."""

    def __init__(self, make: Callable[[asyncio.Event], Awaitable[None]]) -> None:
        self.make = make
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="pgconsole-load", daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            await self.make(self._stop)
        with contextlib.suppress(Exception):
            asyncio.run(main())
        self._ready.set()

    def start(self) -> "LoadThread":
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
