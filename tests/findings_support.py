"""Shared by the findings and report tests: throwaway databases, planted problems, one evaluation.

Each group of checks plants all its problems in one database and their healthy twins
in another, evaluates each once (module-scoped), and the parametrized tests read the
results: one test per check id and side, a fraction of the time of one database each.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import secrets

import asyncpg

from pgconsole import findings
from pgconsole.findings.model import Thresholds
from pgconsole.monitor import VIEWS, Monitor


def run(coro):
    """Run a coroutine to completion from sync code, even inside a running loop (on a thread)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def connect(params, **settings) -> asyncpg.Connection:
    return await asyncpg.connect(**params.asyncpg_kwargs(), server_settings=settings or None)


async def _admin(params, sql: str) -> None:
    conn = await connect(params)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def database(pg_params, tag: str):
    """A new database for a module's worth of tests; dropped afterwards. Yields its ConnParams."""
    name = f"f_{tag}_{secrets.token_hex(3)}"
    run(_admin(pg_params, f'CREATE DATABASE "{name}"'))
    try:
        yield pg_params.with_database(name)
    finally:
        run(_forget_statements(pg_params, name))
        run(_admin(pg_params, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _forget_statements(pg_params, name: str) -> None:
    """Drop this database's pg_stat_statements entries: they would outlive it and crowd the
    cluster-wide top lists other tests read (the statement texts are fetched for those only)."""
    conn = await connect(pg_params)
    try:
        await conn.execute("SELECT pg_stat_statements_reset(0, d.oid, 0) FROM pg_database d "
                           "WHERE d.datname = $1", name)
    except asyncpg.PostgresError:
        pass  # no extension in the maintenance database: nothing to forget
    finally:
        await conn.close()


async def flush_stats(conn) -> None:
    """Make this session's counters visible to others now (15+); older servers need a moment."""
    if int(await conn.fetchval("SHOW server_version_num")) >= 150000:
        await conn.execute("SELECT pg_stat_force_next_flush()")
        await conn.execute("SELECT 1")
    else:
        await asyncio.sleep(0.7)


async def wait_for(conn, sql: str, *args, timeout: float = 15.0, step: float = 0.1):
    """Poll a query until it returns a true value (statistics arrive asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await conn.fetchval(sql, *args)
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {sql}")
        await asyncio.sleep(step)


async def evaluate(params, thresholds: Thresholds = Thresholds(), interval: float | None = None):
    """Poll every view (twice when `interval` is given), run the catalog queries, evaluate."""
    mon = Monitor(params)
    try:
        frame = await mon.poll(force=frozenset(VIEWS))
        if interval is not None:
            await asyncio.sleep(interval)
            frame = await mon.poll(force=frozenset(VIEWS))
        result, _ = await findings.collect(mon, frame, thresholds)
        return result
    finally:
        await mon.close()


def objects(result, check: str) -> set[str]:
    return {f.object for f in result.findings if f.check == check}


def status(result, check: str):
    return next(s for s in result.checks if s.check == check)
