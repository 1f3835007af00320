"""Shared by the findings and report tests: throwaway databases, planted problems, one evaluation.

Each group of checks plants all its problems in one database and their healthy twins
in another, evaluates each once (module-scoped), and the parametrized tests read the
results: one test per check id and side, a fraction of the time of one database each.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import re
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


async def evaluate(params, thresholds: Thresholds = Thresholds(), interval: float | None = None,
                   between=None, keep: dict | None = None):
    """Poll every view (twice when `interval` is given, or `between` is a coroutine function
    to run between the polls), run the catalog queries, evaluate. `keep`: gets the last
    frame, the catalog and the capabilities, to evaluate again with other thresholds."""
    mon = Monitor(params)
    try:
        frame = earlier = await mon.poll(force=frozenset(VIEWS))
        if interval is not None or between is not None:
            if between is not None:
                await between()
            if interval:
                await asyncio.sleep(interval)
            frame = await mon.poll(force=frozenset(VIEWS))
        result, catalog = await findings.collect(mon, frame, thresholds,
                                                 earlier=earlier if earlier is not frame else None)
        if keep is not None:
            keep.update(frame=frame, catalog=catalog, caps=mon.caps, earlier=earlier)
        return result
    finally:
        await mon.close()


def _first_word(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].lower().rstrip("(;")


async def run_remedies(params, found) -> list[str]:
    """Parse every runnable remedy statement on the server it was made for, names resolved,
    changing nothing that lasts: a SELECT is prepared (parsed and planned, not run), an
    EXPLAIN runs (it plans only), VACUUM runs (it cannot run in a transaction; the database
    is a throwaway), anything else runs in a transaction that is rolled back, without
    CONCURRENTLY (which refuses a transaction). ALTER SYSTEM is refused in a transaction
    after it parsed: that refusal is the proof. Returns the statements checked."""
    conn = await connect(params)
    checked = []
    try:
        for f in found:
            for stmt in f.sql:
                assert stmt in f.remedy, (f.check, stmt, f.remedy)   # the remedy shows what runs
                word = _first_word(stmt)
                try:
                    if word in ("select", "with"):
                        await conn.prepare(stmt)
                    elif word == "explain":
                        async with conn.transaction(readonly=True):
                            await conn.execute(stmt)
                    elif word == "vacuum":
                        await conn.execute(stmt)
                    else:
                        tr = conn.transaction()
                        await tr.start()
                        try:
                            await conn.execute(re.sub(r"\bCONCURRENTLY\s+", "", stmt, count=1))
                        except asyncpg.ActiveSQLTransactionError:
                            assert word == "alter" and "SYSTEM" in stmt.upper(), stmt
                        finally:
                            await tr.rollback()
                except asyncpg.PostgresError as exc:
                    raise AssertionError(f"{f.check} remedy does not run: {stmt!r}: {exc}") from None
                checked.append(stmt)
    finally:
        await conn.close()
    return checked


def objects(result, check: str) -> set[str]:
    return {f.object for f in result.findings if f.check == check}


def status(result, check: str):
    return next(s for s in result.checks if s.check == check)
