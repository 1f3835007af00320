"""Collectors against the suite's real server: plant each condition and see it."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from pgconsole import sqlfiles
from pgconsole.collectors.activity import ConnectionsCollector, locks_held
from pgconsole.collectors.bloat import exact_bloat
from pgconsole.collectors.overview import SIZES_EVERY_S, SIZES_HIDDEN_S, OverviewCollector
from pgconsole.collectors.cache_book import RELATIONS_EVERY_S, RELATIONS_HIDDEN_S
from pgconsole.monitor import VIEWS, Monitor
from pgconsole.snapshots import Bloat, Cache, Connections, Locks, OverviewRow, Statements, Unavailable


async def session(params, **settings) -> asyncpg.Connection:
    return await asyncpg.connect(**params.asyncpg_kwargs(), server_settings=settings or None)


async def wait_until(pred, timeout=10.0, step=0.05):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await pred()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(step)


async def flush_stats(conn, version: int) -> None:
    """Pending table statistics reach the shared view at transaction end plus up to 1 s."""
    if version >= 150000:
        await conn.execute("SELECT pg_stat_force_next_flush()")


async def full_frame(params):
    mon = Monitor(params)
    try:
        return await mon.poll(force=frozenset(VIEWS))
    finally:
        await mon.close()


async def test_three_session_lock_chain_is_a_tree_with_the_right_root(fresh_db):
    setup = await session(fresh_db)
    await setup.execute("CREATE TABLE chain(id int PRIMARY KEY, v int); INSERT INTO chain VALUES (1, 0)")
    holder = await session(fresh_db, application_name="holder")
    waiter = await session(fresh_db, application_name="waiter")
    queued = await session(fresh_db, application_name="queued")
    tasks = []
    try:
        await holder.execute("BEGIN; SELECT * FROM chain")           # AccessShareLock, idle in transaction
        tasks.append(asyncio.create_task(waiter.execute("ALTER TABLE chain ADD COLUMN w int")))
        waiter_pid, queued_pid, holder_pid = (waiter.get_server_pid(), queued.get_server_pid(),
                                              holder.get_server_pid())
        await wait_until(lambda: setup.fetchval(
            "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
        # queued behind the ALTER's AccessExclusiveLock: a soft block the pg_locks self-join misses
        tasks.append(asyncio.create_task(queued.execute("SELECT * FROM chain")))
        await wait_until(lambda: setup.fetchval(
            "SELECT count(*) = 2 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))

        mon = Monitor(fresh_db)
        frame = await mon.poll()
        locks = frame.locks
        assert isinstance(locks, Locks)
        assert locks.roots == (holder_pid,)
        assert [(n.pid, n.depth) for n in locks.nodes] == [(holder_pid, 0), (waiter_pid, 1), (queued_pid, 2)]
        root = locks.node(holder_pid)
        assert root.total_blocked == 2 and root.backend.state == "idle in transaction"
        w = locks.node(waiter_pid)
        assert w.mode == "AccessExclusiveLock" and w.relation == "public.chain" and w.wait_s is not None
        assert locks.node(queued_pid).mode == "AccessShareLock"
        held = await mon.run(lambda c, caps: locks_held(c, caps, holder_pid))
        assert any(h.granted and h.relation == "public.chain" and h.mode == "AccessShareLock" for h in held)
        await mon.close()
    finally:
        await holder.execute("ROLLBACK")
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)
        for c in (holder, waiter, queued, setup):
            await c.close()


async def test_idle_in_transaction_session_appears_with_its_age(fresh_db):
    idle = await session(fresh_db, application_name="forgotten")
    try:
        await idle.execute("BEGIN; SELECT 1")
        await asyncio.sleep(1.2)
        frame = await full_frame(fresh_db)
        conns = frame.connections
        assert isinstance(conns, Connections)
        pid = idle.get_server_pid()
        ages = dict(conns.idle_in_transaction)
        assert ages[pid] >= 1.0
        b = conns.by_pid()[pid]
        assert b.application_name == "forgotten" and b.idle_in_transaction
        assert conns.counts_by_state.get("idle in transaction", 0) >= 1
        own = [x for x in conns.backends if x.is_self]
        assert len(own) == 1 and own[0].application_name == "pgconsole" and own[0].pid == frame.own_pid
    finally:
        await idle.close()


async def test_without_idle_rows_idle_sessions_are_counted_not_listed_unless_they_block(fresh_db):
    """The console with idle sessions hidden: the poll leaves idle rows out but counts them,
    and keeps an idle session that blocks someone (an advisory lock outlives its query)."""
    idlers = [await session(fresh_db, application_name="idler") for _ in range(3)]
    blocker = await session(fresh_db, application_name="advisory-holder")
    waiter = await session(fresh_db, application_name="advisory-waiter")
    task = None
    try:
        await blocker.execute("SELECT pg_advisory_lock(4242)")          # then idle, holding it
        task = asyncio.create_task(waiter.execute("SELECT pg_advisory_lock(4242)"))
        await wait_until(lambda: blocker.fetchval(
            "SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
        mon = Monitor(fresh_db)
        try:
            full = (await mon.poll()).connections
            mon.include_idle_sessions(False)
            frame = await mon.poll()
            mon.show_views(frozenset({"connections"}))   # the Locks pane is not on screen
            bare = await mon.poll()
        finally:
            await mon.close()
        lean = frame.connections
        assert isinstance(full, Connections) and isinstance(lean, Connections)
        assert full.all_sessions and not lean.all_sessions
        idle_pids = {c.get_server_pid() for c in idlers}
        assert idle_pids <= set(full.by_pid()) and not idle_pids & set(lean.by_pid())
        held_by = blocker.get_server_pid()
        assert lean.by_pid()[held_by].state == "idle"                    # listed: it blocks the waiter
        assert lean.by_pid()[waiter.get_server_pid()].waiting_on_lock
        assert lean.counts_by_state.get("idle", 0) >= len(idle_pids) + 1
        assert lean.counts_by_state.get("idle", 0) == full.counts_by_state.get("idle", 0)
        locks = frame.locks
        assert isinstance(locks, Locks) and locks.roots == (held_by,) and locks.node(held_by).backend is not None
        waiting = lean.by_pid()[waiter.get_server_pid()]
        assert waiting.blocked_by == [held_by] and waiting.lock_mode == "ExclusiveLock"
        assert waiting.lock_type == "advisory"
        # without the Locks pane: who blocks whom still (the tree, the idle blocker), not pg_locks
        quiet = bare.connections.by_pid()[waiter.get_server_pid()]
        assert quiet.blocked_by == [held_by] and quiet.lock_mode is None and quiet.lock_wait_s is not None
        assert bare.locks.roots == (held_by,) and held_by in bare.connections.by_pid()
    finally:
        await blocker.execute("SELECT pg_advisory_unlock_all()")
        if task is not None:
            await asyncio.wait_for(task, 10)
        for c in (*idlers, blocker, waiter):
            await c.close()


async def test_one_read_of_pg_stat_activity_counts_sessions_for_the_overview_too(fresh_db):
    """The connections query counts client sessions by state in the same pass as its rows
    (idle rows left out or not); the overview of the poll takes those counts instead of
    reading pg_stat_activity again, and they equal a direct count and the overview's own."""
    idlers = [await session(fresh_db, application_name="idler") for _ in range(2)]
    mon = Monitor(fresh_db)
    try:
        mon.include_idle_sessions(False)
        frame = await mon.poll()
        row = frame.overview.row
        from_poll = dict(zip(row.client_states, row.client_state_sessions))
        assert from_poll.get("idle", 0) >= 2 and from_poll.get("active", 0) >= 1   # ours
        assert frame.connections.counts_by_state == from_poll
        assert sum(from_poll.values()) == row.connections_used
        direct = dict(await mon.conn.fetch(
            "SELECT coalesce(state, 'hidden'), count(*)::int FROM pg_stat_activity "
            "WHERE backend_type = 'client backend' GROUP BY 1"))
        assert from_poll == direct
        counted = await mon.conn.fetchrow(mon.caps.sql("overview"), True)   # the overview counting alone
        assert dict(zip(counted["client_states"], counted["client_state_sessions"])) == from_poll
        assert counted["connections_used"] == row.connections_used
        skipped = await mon.conn.fetchrow(mon.caps.sql("overview"), False)
        assert skipped["client_states"] is None and skipped["connections_used"] == 0
        # the poll's overview figures came on the connections query's own row: the same as the
        # overview query's (its own statement runs only when that view was not read)
        steady = ("version", "version_num", "started_at", "is_standby", "current_database",
                  "max_connections", "reserved_connections")
        assert {k: getattr(row, k) for k in steady} == {k: skipped[k] for k in steady}
        assert 0 < row.xact_commit <= skipped["xact_commit"] and row.sampled_at <= skipped["sampled_at"]
        ctx: dict[str, object] = {}
        await ConnectionsCollector(idle_rows=False).collect(mon.conn, mon.caps, ctx)
        assert isinstance(ctx["overview_row"], OverviewRow)
        if mon.caps.version_num >= 140000:   # generic_plans: 14+
            for _ in range(6):
                await mon.poll()
            # its generic plan is kept after the first five: planning it cold on every refresh
            # would cost as much again as running it (a parameter that prunes it makes it so)
            generic = await mon.conn.fetchval(
                "SELECT generic_plans FROM pg_prepared_statements WHERE statement = $1",
                mon.caps.sql("connections"))
            assert generic and generic >= 2
        alone = await ConnectionsCollector(idle_rows=False).collect(mon.conn, mon.caps, {})
        assert alone.counts_by_state == from_poll
        full = await ConnectionsCollector(idle_rows=True).collect(mon.conn, mon.caps, {})
        assert full.counts_by_state == from_poll and full.all_sessions
        rows = await mon.conn.fetch(mon.caps.sql("connections"), 100, True, [])
        assert [r["is_self"] for r in rows if r["client_state_counts"] is not None] == [True]
    finally:
        await mon.close()
        for c in idlers:
            await c.close()


async def test_dead_tuples_and_estimated_bloat_then_exact_figures(fresh_db, pg_version):
    conn = await session(fresh_db)
    try:
        await conn.execute("""
            CREATE TABLE churn(id bigint PRIMARY KEY, payload text) WITH (autovacuum_enabled = off);
            INSERT INTO churn SELECT g, repeat('x', 80) FROM generate_series(1, 40000) g;
            DELETE FROM churn WHERE id % 5 <> 0;
            ANALYZE churn;""")
        await flush_stats(conn, pg_version)

        async def dead_seen():
            frame = await full_frame(fresh_db)
            rows = {r.relname: r for r in frame.bloat.tables} if isinstance(frame.bloat, Bloat) else {}
            r = rows.get("churn")
            return frame if r and r.n_dead_tup >= 30000 else None

        frame = await wait_until(dead_seen, timeout=15, step=0.3)
        row = next(r for r in frame.bloat.tables if r.relname == "churn")
        assert row.no_estimate_reason is None
        assert row.est_bloat_pct is not None and 60 <= row.est_bloat_pct <= 90
        assert row.n_live_tup == pytest.approx(8000, rel=0.1)
        assert row.last_analyze is not None and row.stats_age_s is not None
        assert "catalog estimate" in frame.bloat.method
        mon = Monitor(fresh_db)
        exact = await mon.run(lambda c, caps: exact_bloat(c, caps, row.relid))
        await mon.close()
        assert exact.tuple_count == 8000 and exact.dead_tuple_count == 32000
    finally:
        await conn.close()


async def test_deliberately_slow_statement_tops_by_mean_time(fresh_db):
    conn = await session(fresh_db)
    try:
        await conn.execute("SELECT pg_stat_statements_reset()")
        mon = Monitor(fresh_db)
        await mon.poll(force=frozenset(VIEWS))
        await conn.execute("SELECT pg_sleep(0.4)")
        for _ in range(20):
            await conn.fetchval("SELECT 1")
        frame = await mon.poll(force=frozenset({"statements"}))
        await mon.close()
        st = frame.statements
        assert isinstance(st, Statements)
        from pgconsole.derive import top_statements
        top = top_statements(st, "mean")[0]
        assert "pg_sleep" in top.query and top.row.mean_exec_ms >= 400
        assert top.d_calls == 1                       # in the last interval
        assert top_statements(st, "mean", interval=True)[0].row.queryid == top.row.queryid
        assert st.ext_schema == "public" and st.ext_version
    finally:
        await conn.close()


async def test_cold_table_read_shows_low_heap_hit_ratio(fresh_db, pg_version):
    conn = await session(fresh_db)
    try:
        # four times shared_buffers (16MB in the suite): most of it cannot stay cached, and a
        # sequential scan of a table that big reads through a small ring of buffers
        await conn.execute("""
            CREATE TABLE cold(id int, pad text);
            INSERT INTO cold SELECT g, repeat('c', 200) FROM generate_series(1, 250000) g;""")
        await flush_stats(conn, pg_version)
        await conn.execute("SELECT pg_stat_reset()")   # forget the hits of loading it
        mon = Monitor(fresh_db)
        await mon.poll(force=frozenset({"cache"}))      # baseline for the interval figures
        await conn.fetchval("SELECT count(*) FROM cold")
        await flush_stats(conn, pg_version)

        async def cold_seen():
            frame = await mon.poll(force=frozenset({"cache"}))
            c = frame.cache
            t = next((t for t in c.tables if t.io.relname == "cold"), None) if isinstance(c, Cache) else None
            return (c, t) if t and t.io.heap_blks_read > 1000 else None

        cache, t = await wait_until(cold_seen, timeout=10, step=0.3)
        await mon.close()
        assert t.heap_ratio_interval is not None and t.heap_ratio_interval < 0.5
        assert t.heap_ratio is not None and t.heap_ratio < 0.5
        assert t.blks_read_per_s and t.blks_read_per_s > 0
        assert cache.tables[0].io.relname == "cold"          # worst first
        assert cache.heap_ratio_interval is not None and cache.heap_ratio_interval < 0.5
    finally:
        await conn.close()


async def test_non_ascii_and_quoted_names_come_through_intact(fresh_db, pg_version):
    schema, table = 'Schéma "X"', 'Ünïcode "quoted" Tbl'
    from pgconsole.quoting import qualified, quote_ident
    conn = await session(fresh_db)
    try:
        await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}; "
                           f"CREATE TABLE {qualified(schema, table)}(id int PRIMARY KEY, v text); "
                           f"INSERT INTO {qualified(schema, table)} SELECT g, 'v' FROM generate_series(1, 500) g; "
                           f"ANALYZE {qualified(schema, table)};")
        await conn.fetchval(f"SELECT count(*) FROM {qualified(schema, table)} WHERE id = 3")
        await flush_stats(conn, pg_version)

        async def seen():
            frame = await full_frame(fresh_db)
            names = {(t.io.schemaname, t.io.relname) for t in frame.cache.tables}
            return frame if (schema, table) in names else None

        frame = await wait_until(seen, timeout=10, step=0.3)
        assert (schema, table) in {(r.schemaname, r.relname) for r in frame.bloat.tables}
        relid = next(r.relid for r in frame.bloat.tables if r.relname == table)
        mon = Monitor(fresh_db)
        exact = await mon.run(lambda c, caps: exact_bloat(c, caps, relid))
        await mon.close()
        assert exact.tuple_count == 500
    finally:
        await conn.close()


async def test_missing_extension_is_unavailable_with_the_fix_and_rest_works(fresh_db):
    conn = await session(fresh_db)
    await conn.execute("DROP EXTENSION pg_stat_statements")
    await conn.close()
    frame = await full_frame(fresh_db)
    assert isinstance(frame.statements, Unavailable)
    assert "CREATE EXTENSION pg_stat_statements" in frame.statements.hint
    assert isinstance(frame.connections, Connections) and isinstance(frame.bloat, Bloat)


async def test_extension_in_another_schema_is_found(fresh_db):
    conn = await session(fresh_db)
    await conn.execute("DROP EXTENSION pg_stat_statements; CREATE SCHEMA \"Mon Itor\"; "
                       "CREATE EXTENSION pg_stat_statements SCHEMA \"Mon Itor\"")
    await conn.close()
    frame = await full_frame(fresh_db)
    assert isinstance(frame.statements, Statements) and frame.statements.ext_schema == "Mon Itor"


async def test_resolve_table_handles_quotes_case_unicode_and_missing(fresh_db):
    from pgconsole.errors import PgConsoleError
    from pgconsole.tables import resolve_table
    conn = await session(fresh_db)
    await conn.execute('CREATE SCHEMA "Ünï"; CREATE TABLE "Ünï"."We""ird T"(id int); CREATE TABLE plain_t(id int)')
    await conn.close()
    mon = Monitor(fresh_db)
    try:
        ref = await mon.run(lambda c, caps: resolve_table(c, caps, '"Ünï"."We""ird T"'))
        assert (ref.schemaname, ref.relname, ref.sql_name) == ("Ünï", 'We"ird T', '"Ünï"."We""ird T"')
        ref = await mon.run(lambda c, caps: resolve_table(c, caps, "PLAIN_T"))   # unquoted folds
        assert str(ref) == "public.plain_t"
        with pytest.raises(PgConsoleError, match="does not exist"):
            await mon.run(lambda c, caps: resolve_table(c, caps, "no_such_schema.t"))
    finally:
        await mon.close()


async def test_from_records_fills_the_same_objects_as_the_dataclass_init(pg_params):
    """The fast path (instance dict filled from Record positions) builds exactly what
    `cls(**record)` builds, whether the columns come in field order or not."""
    from dataclasses import dataclass

    from pgconsole.snapshots import Backend, from_record, from_records

    conn = await session(pg_params)
    try:
        version = await conn.fetchval("SELECT current_setting('server_version_num')::int")
        rows = await conn.fetch(sqlfiles.load("connections", version), 8192, True, [])
        built = from_records(Backend, rows)
        names = {f.name for f in dataclasses.fields(Backend)}   # without the counts of the own row

        def init(r):
            return Backend(**{k: v for k, v in dict(r).items() if k in names})
        assert built == tuple(init(r) for r in rows) and len(built) == len(rows)
        assert hash(built[0]) == hash(init(rows[0]))
        assert from_record(Backend, rows[0]) == built[0]

        @dataclass(frozen=True)
        class Pair:
            a: int
            b: str
        shuffled = await conn.fetch("SELECT 'x' AS b, 1 AS a, true AS extra")
        assert from_records(Pair, shuffled) == (Pair(1, "x"),)
        assert from_records(Pair, [{"a": 2, "b": "y"}]) == (Pair(2, "y"),)   # mappings too
        with pytest.raises(KeyError, match="no column 'b'"):
            from_records(Pair, await conn.fetch("SELECT 1 AS a"))
    finally:
        await conn.close()


async def test_catalog_views_keep_a_minimum_interval_whatever_the_refresh(fresh_db):
    """Polled back to back (a refresh far faster than the default), cache and statements
    come on their poll cadence only once their minimum interval has passed; forced, at once."""
    mon = Monitor(fresh_db)
    try:
        first = await mon.poll()
        frames = [await mon.poll() for _ in range(6)]     # ticks 1..6, all within a second or two
        assert all(f.cache is first.cache for f in frames)             # every 2nd poll, but not before 3.5 s
        assert all(f.statements is first.statements for f in frames)   # every 3rd poll, but not before 5 s
        assert frames[-1].connections is not first.connections         # every poll
        forced = await mon.poll(force=frozenset({"cache", "statements"}))
        assert forced.cache is not first.cache and forced.statements is not first.statements
    finally:
        await mon.close()


async def test_views_off_screen_wait_their_hidden_interval_and_come_back_when_shown(fresh_db):
    """The console shows one pane: the catalog views it does not show refresh less often
    (cache every 10 s instead of 3.5); showing one answers it as stale, to refresh now."""
    mon = Monitor(fresh_db)
    try:
        first = await mon.poll()
        assert mon.show_views(frozenset({"connections"})) == frozenset()   # all fresh
        mon._collected_at["cache"] -= 5.0       # 5 s old: over the shown 3.5 s, under the hidden 10 s
        mon.tick = 2                            # on cache's every-2nd-poll cadence
        hidden = await mon.poll()
        assert hidden.cache is first.cache and hidden.connections is not first.connections
        assert mon.show_views(frozenset({"cache"})) == frozenset({"cache"})
        mon.tick = 4
        shown = await mon.poll()
        assert shown.cache is not first.cache
        overview = next(c for c in mon.collectors if isinstance(c, OverviewCollector))
        assert overview.sizes_every() == SIZES_HIDDEN_S   # not in the console's header
        cache = next(c for c in mon.collectors if c.name == "cache")
        assert cache.book.relations_every_s == RELATIONS_EVERY_S      # the Cache pane shows names, sizes
        mon.show_views(frozenset({"connections"}))
        assert cache.book.relations_every_s == RELATIONS_HIDDEN_S     # only the header's ratio, the findings
        mon.show_views(None)                    # snapshot / report: everything counts as shown
        assert mon._interval(cache) == cache.min_interval_s
        assert overview.sizes_every() == SIZES_EVERY_S
        assert cache.book.relations_every_s == RELATIONS_EVERY_S
    finally:
        await mon.close()


async def test_a_paced_read_keeps_one_plan_for_the_session(fresh_db):
    """A view read every few minutes is not parsed and planned again each time: the session
    keeps its prepared statements (asyncpg's default closes each 300 s after it was made),
    and the bloat queries take no parameter (with one, each of the first five runs is planned
    anew: 2.5 ms each, more than the run)."""
    from pgconsole import db
    from pgconsole.capabilities import probe
    from pgconsole.collectors.bloat import BloatCollector
    conn = await db.connect(fresh_db)
    try:
        await conn.execute("CREATE TABLE public.t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 100) g; "
                           "CREATE INDEX ON public.t (v); ANALYZE public.t")
        caps = await probe(conn)
        for _ in range(3):
            await BloatCollector().collect(conn, caps, {})
        assert conn._stmt_cache.get_max_lifetime() == 0   # kept until the session ends
        rows = await conn.fetch("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
                                "WHERE statement LIKE '%est_bloat_bytes%' AND statement NOT LIKE '%pg_prepared%'")
        assert len(rows) == 2                             # table_bloat, index_bloat: prepared once each
        assert all(r["custom_plans"] == 0 and r["generic_plans"] == 3 for r in rows), rows
    finally:
        await conn.close()
