"""VACUUM / ANALYZE on the test server: dead tuples, progress, locks, names, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time

import asyncpg
import pytest

from pgconsole.db import SessionLimits
from pgconsole.errors import PgConsoleError
from pgconsole.maintenance import (TableStarted, VacuumOptions, VacuumProgress, VacuumRun, VacuumTableResult,
                                   run_vacuum)


async def setup(params, sql: str) -> None:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        await conn.execute(sql)
    finally:
        await conn.close()  # closing flushes this session's table statistics


async def dead_tuples_visible(params, table: str, at_least: int) -> None:
    """Wait until the statistics show the DELETE (13/14 relay them through a collector)."""
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        for _ in range(100):
            n = await conn.fetchval("SELECT n_dead_tup FROM pg_stat_all_tables WHERE relid = $1::regclass", table)
            if n and n >= at_least:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"n_dead_tup of {table} never reached {at_least}")
    finally:
        await conn.close()


def dead_table(name: str, rows: int) -> str:
    # autovacuum off: the test server's 1 s naptime would otherwise race us
    return (f"CREATE TABLE {name} (id int PRIMARY KEY, pad text) WITH (autovacuum_enabled = false);"
            f"INSERT INTO {name} SELECT g, repeat('x', 100) FROM generate_series(1, {rows}) g;"
            f"DELETE FROM {name} WHERE id % 2 = 0;")


async def test_vacuum_removes_dead_tuples_and_reports_progress(fresh_db, pg_version):
    await setup(fresh_db, dead_table("dt", 20000))
    await dead_tuples_visible(fresh_db, "dt", 10000)
    events = []
    # throttled like autovacuum so that the run spans many progress polls
    report = await asyncio.wait_for(run_vacuum(fresh_db, ["dt"], VacuumOptions(cost_delay_ms=100, poll_s=0.05),
                                               on_event=events.append), 60)
    (r,) = report.results
    assert r.status == "done" and r.error is None and r.command == 'VACUUM (ANALYZE) "public"."dt"'
    assert r.before.dead_tuples >= 10000 and r.after.dead_tuples == 0 and r.dead_removed >= 10000
    assert r.after.live_tuples == 10000
    assert r.after.vacuum_count == r.before.vacuum_count + 1
    assert r.after.analyze_count == r.before.analyze_count + 1
    assert r.before.table_bytes > 0 and r.after.total_bytes >= r.after.table_bytes > 0
    assert "scanning heap" in r.phases and r.samples >= 2 and r.seconds > 0
    assert isinstance(events[0], TableStarted) and isinstance(events[-1], VacuumTableResult)
    progress = [e for e in events if isinstance(e, VacuumProgress) and e.command == "VACUUM"
                and e.relid == e.target_relid]  # not its TOAST table, also vacuumed
    assert progress and all(p.table == "public.dt" and p.heap_blks_total > 0 for p in progress)
    scanning = [p for p in progress if p.phase == "scanning heap"]
    assert scanning and all(0 <= p.fraction <= 1 for p in scanning)
    if pg_version >= 170000:  # renamed columns
        assert all(p.max_dead_tuple_bytes is not None and p.max_dead_tuples is None for p in progress)
        assert all(p.indexes_total is not None for p in progress)
    else:
        assert all(p.max_dead_tuples is not None and p.max_dead_tuple_bytes is None for p in progress)


async def test_lock_held_fails_fast_with_clear_error(fresh_db):
    await setup(fresh_db, "CREATE TABLE busy (id int); CREATE TABLE calm (id int)")
    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        pid = holder.get_server_pid()
        tr = holder.transaction()
        await tr.start()
        await holder.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
        opts = VacuumOptions(lock_timeout_ms=400, poll_s=0.05)
        report = await asyncio.wait_for(run_vacuum(fresh_db, ["busy", "calm"], opts), 30)
        busy, calm = report.results
        assert busy.status == "failed" and calm.status == "done"  # the others still run
        assert "lock not granted within 0.4 s" in busy.error
        assert f"pid {pid} holds AccessExclusiveLock" in busy.error and "idle in transaction" in busy.error
        await tr.rollback()

        # EXCLUSIVE lets the figures be read but not VACUUM itself: its own lock_timeout fires
        tr = holder.transaction()
        await tr.start()
        await holder.execute("LOCK TABLE busy IN EXCLUSIVE MODE")
        events = []
        report = await asyncio.wait_for(run_vacuum(fresh_db, ["busy"], opts, on_event=events.append), 30)
        (busy,) = report.results
        assert busy.status == "failed" and f"pid {pid} holds ExclusiveLock" in busy.error
        waits = [e for e in events if isinstance(e, VacuumProgress) and e.phase == "waiting for lock"]
        assert waits and waits[-1].blocked_by == (pid,)
        await tr.rollback()
    finally:
        await holder.close()


async def test_a_lock_timeout_longer_than_the_statement_timeout_names_the_holder(fresh_db):
    """--lock-timeout 10 with the default 5 s statement timeout failed after 5 s as a statement
    timeout naming no one: the figures read before VACUUM waits for the lock too."""
    await setup(fresh_db, "CREATE TABLE held (id int);"
                          "CREATE TABLE parted (id int) PARTITION BY RANGE (id);"
                          "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10)")
    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        pid = holder.get_server_pid()
        await holder.execute("BEGIN; LOCK TABLE held, parted_1 IN ACCESS EXCLUSIVE MODE")
        t0 = time.monotonic()
        report = await asyncio.wait_for(run_vacuum(fresh_db, ["held", "parted"], VacuumOptions(lock_timeout_ms=900),
                                                   limits=SessionLimits(statement_timeout_ms=300)), 30)
        assert time.monotonic() - t0 >= 1.8
        for r in report.results:   # a partition's holder is named too
            assert r.status == "failed" and "lock not granted within 0.9 s" in r.error
            assert f"pid {pid} holds AccessExclusiveLock" in r.error
    finally:
        await holder.close()


async def test_the_figures_after_a_vacuum_name_the_holder_of_a_lock_taken_meanwhile(fresh_db):
    await setup(fresh_db, dead_table("later", 20000))
    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    locking = None

    def on_event(ev):
        nonlocal locking
        if locking is None and isinstance(ev, VacuumProgress) and ev.command == "VACUUM":
            # queued behind VACUUM's own lock, granted as it ends, held after
            locking = asyncio.ensure_future(holder.execute("BEGIN; LOCK TABLE later IN ACCESS EXCLUSIVE MODE"))
    try:
        opts = VacuumOptions(analyze=False, cost_delay_ms=20, lock_timeout_ms=400, poll_s=0.02)
        report = await asyncio.wait_for(run_vacuum(fresh_db, ["later"], opts, on_event=on_event), 60)
        (r,) = report.results
        assert locking is not None and r.status == "done" and r.after is None
        assert r.error.startswith("reading the figures after VACUUM of public.later: lock not granted within 0.4 s")
        assert f"pid {holder.get_server_pid()} holds AccessExclusiveLock" in r.error
        await locking
    finally:
        await holder.close()


async def test_weird_names(fresh_db):
    await setup(fresh_db, 'CREATE SCHEMA "Sch ema""x"; CREATE TABLE "Sch ema""x"."Mixed""Case ünï" (id int);'
                          'CREATE TABLE "UPPER" (id int); CREATE TABLE "dotted.name" (id int);'
                          'CREATE TABLE plain (id int)')
    specs = ['"Sch ema""x"."Mixed""Case ünï"', '"UPPER"', '"dotted.name"', "PUBLIC.Plain",
             ('Sch ema"x', 'Mixed"Case ünï')]  # the last is the first again, as the console passes it
    report = await run_vacuum(fresh_db, specs, VacuumOptions(analyze_only=True))
    assert [(r.table.schemaname, r.table.relname) for r in report.results] == [
        ('Sch ema"x', 'Mixed"Case ünï'), ("public", "UPPER"), ("public", "dotted.name"), ("public", "plain")]
    assert all(r.status == "done" for r in report.results)
    assert report.results[0].command == 'ANALYZE "Sch ema""x"."Mixed""Case ünï"'
    with pytest.raises(PgConsoleError, match="does not exist"):
        await run_vacuum(fresh_db, ["UPPER"])  # unquoted folds to "upper", as in SQL


@pytest.mark.parametrize("spec,needle", [
    ("nosuch", "'nosuch' does not exist"),
    ("nosuchschema.t", "does not exist"),
    ('"unterminated', "unterminated quoted identifier"),
    ("v", "is a view"),
    ("s", "is a sequence"),
    ("i", "public.i is an index: VACUUM works on tables"),
])
async def test_not_a_table(fresh_db, spec, needle):
    await setup(fresh_db, "CREATE VIEW v AS SELECT 1 AS x; CREATE SEQUENCE s; CREATE TABLE t (x int); "
                          "CREATE INDEX i ON t (x)")
    with pytest.raises(PgConsoleError, match=needle):
        await run_vacuum(fresh_db, [spec])


async def test_whole_database_and_partitions(fresh_db):
    await setup(fresh_db, "CREATE TABLE a (id int); CREATE TABLE b (id int);"
                          "CREATE TABLE p (id int) PARTITION BY RANGE (id);"
                          "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100) WITH (autovacuum_enabled = false);"
                          "CREATE TABLE p2 PARTITION OF p FOR VALUES FROM (100) TO (200) WITH (autovacuum_enabled = false);"
                          "INSERT INTO p SELECT generate_series(0, 199); DELETE FROM p WHERE id % 4 = 0;")
    report = await run_vacuum(fresh_db, [])
    names = [str(r.table) for r in report.results]
    assert names == ["public.a", "public.b", "public.p1", "public.p2"]  # leaves, not the parent
    assert all(r.status == "done" for r in report.results) and not report.failed
    await setup(fresh_db, "DELETE FROM p WHERE id % 4 = 1")
    await dead_tuples_visible(fresh_db, "p1", 25)
    await dead_tuples_visible(fresh_db, "p2", 25)
    (r,) = (await run_vacuum(fresh_db, ["p"])).results  # the parent: sums over its partitions
    assert r.table.relkind == "p" and r.before.leaves == 2
    assert r.before.dead_tuples == 50 and r.after.dead_tuples == 0 and r.after.live_tuples == 100


async def test_analyze_only(fresh_db):
    await setup(fresh_db, "CREATE TABLE t AS SELECT generate_series(1, 1000) AS id")
    (r,) = (await run_vacuum(fresh_db, ["t"], VacuumOptions(analyze_only=True, verbose=True))).results
    assert r.command == 'ANALYZE (VERBOSE) "public"."t"' and r.status == "done"
    assert r.after.analyze_count == r.before.analyze_count + 1
    assert r.after.vacuum_count == r.before.vacuum_count
    assert any("analyzing" in m for m in r.messages)  # VERBOSE reports arrive as messages


async def test_stop_cancels_the_running_vacuum(fresh_db):
    await setup(fresh_db, dead_table("big", 40000) + "CREATE TABLE after_it (id int)")
    run = VacuumRun(fresh_db, ["big", "after_it"], VacuumOptions(cost_delay_ms=100, poll_s=0.05))
    await run.start()
    async for ev in run.events():
        if isinstance(ev, VacuumProgress) and ev.command:
            run.stop()
    report = await asyncio.wait_for(run.wait(), 30)
    assert report.cancelled
    assert [r.status for r in report.results] == ["cancelled", "cancelled"]


def vacuum_cli(params, *args, env: dict | None = None):
    conn = ["-h", params.host, "-p", str(params.port), "-U", params.user]
    return subprocess.run([sys.executable, "-m", "pgconsole", "vacuum", *conn, *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


async def test_cli(fresh_db):
    await setup(fresh_db, dead_table('"Big One"', 2000) + "CREATE TABLE other (id int)")
    r = vacuum_cli(fresh_db, "--json", fresh_db.database, '"Big One"', "other")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [t["table"] for t in d["tables"]] == ["public.Big One", "public.other"]
    assert all(t["status"] == "done" for t in d["tables"]) and d["tables"][0]["after"]["dead_tuples"] == 0

    # the summary at 80 columns: each name on its row, quoted where SQL needs it
    r = vacuum_cli(fresh_db, fresh_db.database, '"Big One"', "other", env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if " done " in line}
    assert set(rows) == {'public."Big', "public.other"} and 'public."Big One"   ' in rows['public."Big']
    assert 'done      public."Big One"  dead' in r.stderr
    assert max(map(len, r.stdout.splitlines())) <= 80

    r = vacuum_cli(fresh_db, "-d", fresh_db.database, "--verbose", "other")  # with -d every word is a table
    assert r.returncode == 0, r.stderr
    assert "INFO" in r.stderr and "public.other" in r.stdout and "done" in r.stdout

    r = vacuum_cli(fresh_db, fresh_db.database, "missing_table")
    assert r.returncode == 2 and r.stderr.strip() == (
        "pgconsole: error: table 'missing_table' does not exist (or is not on the search_path)")

    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        await holder.execute("BEGIN; LOCK TABLE other IN ACCESS EXCLUSIVE MODE")
        r = await asyncio.to_thread(vacuum_cli, fresh_db, "--lock-timeout", "0.3", fresh_db.database, "other")
    finally:
        await holder.close()
    assert r.returncode == 2 and "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("pgconsole: error: VACUUM public.other: lock not granted within 0.3 s")


async def test_cancelled_worker_cancels_the_vacuum(fresh_db):
    """`async with VacuumRun(...)` in a worker that gets cancelled: VACUUM is cancelled too."""
    await setup(fresh_db, dead_table("big", 40000))
    seen = asyncio.Event()

    async def worker():
        async with VacuumRun(fresh_db, ["big"], VacuumOptions(cost_delay_ms=100, poll_s=0.05)) as run:
            async for ev in run.events():
                if isinstance(ev, VacuumProgress) and ev.command:
                    seen.set()

    task = asyncio.create_task(worker())
    await asyncio.wait_for(seen.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        busy = await conn.fetchval("SELECT count(*) FROM pg_stat_progress_vacuum WHERE datname = current_database()")
        n_vacuums = await conn.fetchval("SELECT vacuum_count FROM pg_stat_all_tables WHERE relname = 'big'")
    finally:
        await conn.close()
    assert busy == 0 and n_vacuums == 0  # cancelled, not finished behind our back
