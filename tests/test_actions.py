"""The console's actions on a real server: signals, EXPLAIN (GENERIC_PLAN), reset."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from pgconsole.actions import ActionSession, explain_unavailable_reason
from pgconsole.capabilities import probe
from pgconsole.errors import PgConsoleError


async def caps_for(params):
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        return await probe(conn)
    finally:
        await conn.close()


async def test_cancel_then_terminate_a_blocked_backend(fresh_db):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    waiter = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    actions = ActionSession(fresh_db)
    try:
        await admin.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
        await holder.execute("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE")
        blocked = asyncio.create_task(waiter.execute("UPDATE t SET id = id WHERE id = 1"))
        for _ in range(200):
            if await admin.fetchval("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1",
                                    waiter.get_server_pid()):
                break
            await asyncio.sleep(0.02)
        assert "cancel sent" in await actions.cancel(waiter.get_server_pid())
        with pytest.raises(asyncpg.QueryCanceledError):
            await asyncio.wait_for(blocked, 10)
        # 14+ waits for the exit: once it says "terminated", the backend is gone
        assert "terminated" in await actions.terminate(holder.get_server_pid())
        assert await admin.fetchval("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                                    holder.get_server_pid())
        # a pid that is no backend: one clear line, no exception from the driver
        with pytest.raises(PgConsoleError, match="not signalled"):
            await actions.cancel(holder.get_server_pid())
    finally:
        await actions.close()
        for c in (admin, holder, waiter):
            if not c.is_closed():
                c.terminate()


async def test_own_sessions_and_prepared_transactions_are_never_signalled(fresh_db):
    actions = ActionSession(fresh_db)
    try:
        with pytest.raises(PgConsoleError, match="own sessions"):
            await actions.terminate(4242, own_pids=frozenset({4242}))
        await actions._conn()  # the action session's own pid is known once connected
        with pytest.raises(PgConsoleError, match="own sessions"):
            await actions.cancel(next(iter(actions.own_pids)))
        with pytest.raises(PgConsoleError, match="prepared transaction"):
            await actions.terminate(0)
    finally:
        await actions.close()


async def test_explain_generic_plan_runs_nothing(fresh_db, pg_version):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    actions = ActionSession(fresh_db)
    try:
        await admin.execute("CREATE TABLE t (id int PRIMARY KEY, v text)")
        caps = await caps_for(fresh_db)
        if pg_version < 160000:
            assert explain_unavailable_reason(pg_version)
            with pytest.raises(PgConsoleError, match="16 or later"):
                await actions.explain("SELECT * FROM t WHERE id = $1", None, caps)
            return
        res = await actions.explain("SELECT * FROM t WHERE id = $1", fresh_db.database, caps)
        assert "t_pkey" in res.plan or "Scan" in res.plan
        assert "no EXPLAIN ANALYZE" in res.limits
        res = await actions.explain("INSERT INTO t VALUES ($1, $2)", None, caps)
        assert "Insert on t" in res.plan
        assert await admin.fetchval("SELECT count(*) FROM t") == 0
        # one statement only: a second one is refused, not run
        with pytest.raises(PgConsoleError):
            await actions.explain("SELECT 1; DROP TABLE t", None, caps)
        assert await admin.fetchval("SELECT to_regclass('t') IS NOT NULL")
    finally:
        await actions.close()
        await admin.close()


async def test_reset_statements(fresh_db):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    actions = ActionSession(fresh_db)
    try:
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        caps = await caps_for(fresh_db)
        await admin.fetchval("SELECT 4242 AS marker_for_reset")
        assert "reset" in await actions.reset_statements(caps)
        left = await admin.fetchval("SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%marker_for_reset%'")
        assert left == 0
    finally:
        await actions.close()
        await admin.close()
