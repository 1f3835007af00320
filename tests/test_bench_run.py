"""pgbench through pgconsole on the test server: parsing, stopping, errors, the CLI."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from pgconsole.bench import BenchConfig, BenchRun, ProgressSample, run_bench
from pgconsole.db import SessionLimits
from pgconsole.errors import PgConsoleError


def _sql(params, sql):
    async def go():
        conn = await asyncpg.connect(**params.asyncpg_kwargs())
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()
    return asyncio.run(go())


@pytest.fixture(scope="module")
def bench_db(pg_params):
    """A database with pgbench tables (scale 1), created through BenchRun's --init."""
    name = f"bench_{secrets.token_hex(3)}"
    _sql(pg_params, f'CREATE DATABASE "{name}"')
    params = pg_params.with_database(name)

    async def init():
        run = BenchRun(params, BenchConfig(init=True, init_only=True, scale=1))
        await run.start()
        return await run.wait()

    res = asyncio.run(init())
    assert res.status == "initialized", res.error
    yield params
    _sql(pg_params, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cli(params, *args, timeout=60, **kw):
    conn = ["-h", params.host, "-p", str(params.port), "-U", params.user, "-d", params.database]
    return subprocess.run([sys.executable, "-m", "pgconsole", "bench", *conn, *args], capture_output=True,
                          text=True, timeout=timeout, **kw)


def pgbench_pids_for(database: str) -> list[int]:
    """pgbench processes whose environment targets `database` (ours alone use it)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if b"pgbench" not in (d / "cmdline").read_bytes():
                continue
            env = (d / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PGDATABASE={database}".encode() in env:
            out.append(int(d.name))
    return out


async def bench_sessions(conn) -> int:
    return await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgconsole-bench'"
                               " AND datname = current_database()")


async def test_short_run_parsed_and_checked_against_pgbench_output(bench_db, pg_tcp_params):
    params = pg_tcp_params.with_database(bench_db.database)  # TCP with a password
    run = BenchRun(params, BenchConfig(clients=2, jobs=2, duration_s=2))
    await run.start()
    watcher = await asyncpg.connect(**bench_db.asyncpg_kwargs())
    seen_apps, cmdline, environ = set(), b"", []
    try:
        async for ev in run.events():
            if isinstance(ev, ProgressSample) and not seen_apps:
                rows = await watcher.fetch("SELECT application_name FROM pg_stat_activity "
                                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
                seen_apps = {r[0] for r in rows}
                cmdline = Path(f"/proc/{run.pid}/cmdline").read_bytes()
                environ = Path(f"/proc/{run.pid}/environ").read_bytes().split(b"\0")
        res = await run.wait()
    finally:
        await watcher.close()
    assert res.status == "completed" and res.exit_code == 0, res.error
    assert "pgconsole-bench" in seen_apps
    assert params.password.encode() not in cmdline and b"127.0.0.1" not in cmdline
    assert f"PGPASSWORD={params.password}".encode() in environ
    # every parsed figure is the one pgbench printed
    out, s = res.output, res.summary

    def printed(pattern):
        m = re.search(pattern, out, re.M)
        assert m, pattern
        return m[1]
    assert s.tps == float(printed(r"^tps = ([\d.]+) \(without initial connection time\)$"))
    assert s.transactions == int(printed(r"^number of transactions actually processed: (\d+)$"))
    assert s.latency_avg_ms == float(printed(r"^latency average = ([\d.]+) ms$"))
    assert s.latency_stddev_ms == float(printed(r"^latency stddev = ([\d.]+) ms$"))
    assert s.initial_connection_ms == float(printed(r"^initial connection time = ([\d.]+) ms$"))
    assert s.failed == int(printed(r"^number of failed transactions: (\d+) "))
    assert (s.clients, s.threads, s.duration_s) == (2, 2, 2)
    assert s.transactions > 0 and res.tps == s.tps
    # the live view's progress samples cover (most of) the same run; the last
    # interval may end with the run before pgbench reports it
    assert len(res.samples) >= 1
    assert 0 < res.totals.transactions <= s.transactions * 1.05


async def test_stop_mid_run_reports_and_leaves_nothing_behind(bench_db):
    run = BenchRun(bench_db, BenchConfig(clients=2, duration_s=60, builtin="select-only"))
    await run.start()
    async for ev in run.events():
        if isinstance(ev, ProgressSample):
            run.stop()
    res = await run.wait()
    assert res.status == "interrupted" and res.error is None
    assert res.samples and res.totals.transactions > 0 and res.summary is None
    with pytest.raises(ProcessLookupError):
        os.kill(run.pid, 0)  # exited and reaped: no orphan, no zombie
    conn = await asyncpg.connect(**bench_db.asyncpg_kwargs())
    try:
        for _ in range(100):  # backends notice the closed sockets within moments
            if await bench_sessions(conn) == 0:
                break
            await asyncio.sleep(0.05)
        assert await bench_sessions(conn) == 0
    finally:
        await conn.close()


async def test_a_lock_on_pgbench_tellers_fails_within_the_lock_timeout_naming_the_holder(bench_db):
    """pgbench's start-up `vacuum pgbench_tellers` has no lock timeout of its own: behind a SHARE
    lock it waited forever. Its sessions now get pgconsole's, and the error names the holder."""
    holder = await asyncpg.connect(**bench_db.asyncpg_kwargs())
    try:
        await holder.execute("BEGIN; LOCK TABLE pgbench_tellers IN SHARE MODE")
        res = await asyncio.wait_for(run_bench(bench_db, BenchConfig(clients=1, duration_s=5),
                                               limits=SessionLimits(lock_timeout_ms=300)), 30)
        assert res.status == "failed" and "lock timeout" in res.error, res.error
        assert f"pid {holder.get_server_pid()} holds ShareLock on public.pgbench_tellers (" in res.error, res.error
        assert res.error.endswith("retry later or raise --lock-timeout")
    finally:
        await holder.close()


async def test_stopped_while_waiting_on_a_lock_leaves_no_session_behind(bench_db, pg_version):
    if pg_version < 140000:
        pytest.skip("client_connection_check_interval is 14+: before, a waiting session ends at its lock_timeout")
    holder = await asyncpg.connect(**bench_db.asyncpg_kwargs())
    watch = await asyncpg.connect(**bench_db.asyncpg_kwargs())   # outside the holder's transaction
    try:
        await holder.execute("BEGIN; LOCK TABLE pgbench_tellers IN SHARE MODE")
        run = BenchRun(bench_db, BenchConfig(clients=1, duration_s=60), limits=SessionLimits(lock_timeout_ms=600000))
        await run.start()
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgconsole-bench' " \
                  "AND wait_event_type = 'Lock' AND datname = current_database()"
        for _ in range(200):
            if await watch.fetchval(waiting):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("pgbench never waited on the lock")
        run.stop()   # Ctrl-C
        assert (await asyncio.wait_for(run.wait(), 30)).status == "interrupted"
        for _ in range(60):   # the server ends the session when it next checks the client (1 s)
            if await bench_sessions(watch) == 0:
                break
            await asyncio.sleep(0.1)
        assert await bench_sessions(watch) == 0
    finally:
        await holder.close()
        await watch.close()


async def test_cancelling_the_waiting_task_kills_pgbench(bench_db):
    """The console's worker may be cancelled: pgbench must not outlive it."""
    run = BenchRun(bench_db, BenchConfig(clients=1, duration_s=60, builtin="select-only"))
    await run.start()
    first = asyncio.Event()

    async def consume():
        async for ev in run.events():
            if isinstance(ev, ProgressSample):
                first.set()

    consumer = asyncio.create_task(consume())
    waiter = asyncio.create_task(run.wait())
    await asyncio.wait_for(first.wait(), 30)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    with pytest.raises(ProcessLookupError):
        os.kill(run.pid, 0)
    await asyncio.wait_for(consumer, 30)


def test_cli_sigint_mid_run_reports_and_leaves_no_orphan(bench_db):
    conn = ["-h", bench_db.host, "-p", str(bench_db.port), "-U", bench_db.user, "-d", bench_db.database]
    proc = subprocess.Popen([sys.executable, "-m", "pgconsole", "bench", *conn, "-T", "60", "-c", "2", "-b",
                             "select-only"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:  # not a terminal: one plain line per progress report
            if " tps " in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "pgbench interrupted" in out and "stopped early" in out and "Traceback" not in err
    assert pgbench_pids_for(bench_db.database) == []


def test_cli_json(bench_db):
    r = cli(bench_db, "--json", "-T", "1", "-b", "select-only")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["status"] == "completed" and d["summary"]["tps"] > 0 and d["tps"] == d["summary"]["tps"]
    assert d["summary"]["transactions"] > 0 and d["summary"]["failed"] == 0
    assert d["pgbench"]["major"] >= 13 and d["config"]["builtin"] == "select-only"


def test_cli_init_refuses_to_drop_existing_tables(bench_db):
    r = cli(bench_db, "--init")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()]  # one line, no traceback
    assert "pgbench tables already exist" in r.stderr and "--force" in r.stderr
    assert "run without --init to use them as they are" in r.stderr
    r = cli(bench_db, "--init-only", "--force", "--scale", "1")
    assert r.returncode == 0, r.stderr
    assert "pgbench initialized" in r.stdout


def test_cli_pgbench_error_text_surfaces(bench_db, tmp_path):
    script = tmp_path / "bad.sql"
    script.write_text("SELECT * FROM no_such_table;\n")
    r = cli(bench_db, "-f", str(script), "-T", "5", "--", "-n")
    assert r.returncode == 2
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("pgconsole: error: pgbench failed:")
    assert 'relation "no_such_table" does not exist' in last and "Traceback" not in r.stderr


async def test_missing_tables_need_init(fresh_db):
    run = BenchRun(fresh_db, BenchConfig(duration_s=1))
    with pytest.raises(PgConsoleError, match=r"no pgbench tables in database .*--init"):
        await run.start()


def test_cli_wrong_server_and_bad_pgbench(bench_db, tmp_path):
    from pgconsole.cluster import free_port
    r = subprocess.run([sys.executable, "-m", "pgconsole", "bench", "-h", "127.0.0.1", "-p", str(free_port()),
                        "-U", "postgres", "-w"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "connection refused" in r.stderr and "Traceback" not in r.stderr
    r = cli(bench_db, "--pgbench", str(tmp_path / "nope"))
    assert r.returncode == 2 and "pgbench not found at" in r.stderr


async def test_cancelled_worker_with_context_manager_kills_pgbench(bench_db):
    """The console's pattern: `async with BenchRun(...)` in a worker that gets cancelled."""
    first, runs = asyncio.Event(), []

    async def worker():
        async with BenchRun(bench_db, BenchConfig(duration_s=60, builtin="select-only")) as run:
            runs.append(run)
            async for ev in run.events():
                if isinstance(ev, ProgressSample):
                    first.set()

    task = asyncio.create_task(worker())
    await asyncio.wait_for(first.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(runs[0].pid, 0)
    assert not runs[0].running
