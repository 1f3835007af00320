"""Collectors as a pg_monitor role and as a role with no monitoring grants."""

from __future__ import annotations

import asyncpg

from pgconsole.monitor import VIEWS, Monitor
from pgconsole.snapshots import Bloat, Cache, Connections, Locks, Overview, Statements, Unavailable


async def _frame(params):
    mon = Monitor(params)
    try:
        await mon.poll(force=frozenset(VIEWS))
        return await mon.poll(force=frozenset(VIEWS))
    finally:
        await mon.close()


async def _prepare(pg_params, dbname: str) -> None:
    conn = await asyncpg.connect(**pg_params.with_database(dbname).asyncpg_kwargs())
    try:
        await conn.execute("""
            CREATE TABLE IF NOT EXISTS private_t(id int PRIMARY KEY, v text);
            INSERT INTO private_t SELECT g, 'x' FROM generate_series(1, 2000) g ON CONFLICT DO NOTHING;
            ANALYZE private_t;
            SELECT count(*) FROM private_t;""")
    finally:
        await conn.close()


async def test_pg_monitor_role_gets_every_view(pg_params, make_role, fresh_db):
    await _prepare(pg_params, fresh_db.database)
    params = make_role("mon_role", grants=("pg_monitor",), database=fresh_db.database)
    other = await asyncpg.connect(**fresh_db.asyncpg_kwargs())      # a superuser session to see
    await other.execute("SELECT 'visible to pg_monitor'")
    try:
        frame = await _frame(params)
        seen = frame.connections.by_pid()[other.get_server_pid()]
    finally:
        await other.close()
    assert "visible to pg_monitor" in seen.query
    for view, cls in (("overview", Overview), ("connections", Connections), ("locks", Locks),
                      ("cache", Cache), ("statements", Statements), ("bloat", Bloat)):
        assert isinstance(getattr(frame, view), cls), (view, getattr(frame, view))
    assert frame.connections.limited is None and frame.statements.limited is None
    # pg_monitor may not read pg_stats of a table it cannot SELECT: no estimate, never a number
    row = next(r for r in frame.bloat.tables if r.relname == "private_t")
    assert row.est_bloat_bytes is None and row.est_bloat_pct is None
    assert "this role may not read them" in row.no_estimate_reason


async def test_role_without_monitoring_grants_degrades_per_view(pg_params, make_role, fresh_db):
    await _prepare(pg_params, fresh_db.database)
    other = await asyncpg.connect(**fresh_db.asyncpg_kwargs())      # a superuser session to hide
    try:
        await other.execute("SELECT 1")
        params = make_role("plain_role", database=fresh_db.database)
        frame = await _frame(params)
        conns = frame.connections
        assert isinstance(conns, Connections)
        assert conns.limited and "GRANT pg_read_all_stats TO plain_role" in conns.limited
        hidden = conns.by_pid()[other.get_server_pid()]
        assert hidden.query in (None, "<insufficient privilege>")
        assert isinstance(frame.overview, Overview) and isinstance(frame.locks, Locks)
        assert isinstance(frame.cache, Cache) and isinstance(frame.bloat, Bloat)
        st = frame.statements
        assert isinstance(st, (Statements, Unavailable))
        if isinstance(st, Statements):
            assert st.limited and "pg_read_all_stats" in st.limited
        # database sizes it may not ask for are unknown, not an error
        assert isinstance(frame.overview.databases, tuple)
    finally:
        await other.close()
