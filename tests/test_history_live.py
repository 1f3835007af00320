"""Recording a real server: a lock chain forms and clears, a long query runs, pgbench starts.

One recording (about 20 s at a 0.5 s refresh) serves the module; the crash tests make their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from findings_support import connect, database, run

from pgconsole.history.reader import Recording
from pgconsole.snapshots import Locks

REFRESH = 0.5
PY = [sys.executable, "-m", "pgconsole"]


def pgconsole(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*PY, *args], capture_output=True, text=True, timeout=120, **kw)


def recorder(params, path: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*PY, "record", params.uri(), "-o", path, "--refresh", str(REFRESH), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def records(path: str) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return db.execute("SELECT count(*) FROM records").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def wait_records(path: str, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while records(path) < n:
        assert time.monotonic() < deadline, f"fewer than {n} records in {timeout} s"
        time.sleep(0.1)


async def scenario(params, pgbench: str) -> dict:
    """The events the recording must show; their times as the clients saw them."""
    out: dict = {}
    setup = await connect(params)
    await setup.execute("CREATE TABLE IF NOT EXISTS hist_lock (id int PRIMARY KEY, v int);"
                        "INSERT INTO hist_lock VALUES (1, 0) ON CONFLICT DO NOTHING")
    long_q = await connect(params, application_name="hist-long")
    out["long_pid"] = long_q.get_server_pid()
    # Outlasts the lock episode (about 1 + 5 s plus connects) by a margin: `lock_during`
    # must fall while it still runs, however slow the connects are.
    long_task = asyncio.ensure_future(long_q.execute("SELECT pg_sleep(9)"))
    await asyncio.sleep(1.0)
    holder = await connect(params, application_name="hist-holder")
    await holder.execute("BEGIN; UPDATE hist_lock SET v = v + 1 WHERE id = 1")
    waiters = [await connect(params, application_name="hist-waiter") for _ in range(2)]
    out["holder_pid"] = holder.get_server_pid()
    out["waiter_pids"] = sorted(w.get_server_pid() for w in waiters)
    out["lock_from"] = datetime.now(timezone.utc)
    pending = [asyncio.ensure_future(w.execute("UPDATE hist_lock SET v = v + 1 WHERE id = 1")) for w in waiters]
    await asyncio.sleep(5.0)
    out["lock_during"] = datetime.now(timezone.utc)
    await holder.execute("COMMIT")
    out["lock_to"] = datetime.now(timezone.utc)
    await asyncio.gather(*pending)
    await long_task
    await asyncio.sleep(1.5)
    out["lock_after"] = datetime.now(timezone.utc)
    out["pgbench_from"] = datetime.now(timezone.utc)
    bench = await asyncio.create_subprocess_exec(pgbench, "-n", "-c", "2", "-T", "5",
                                                 env={**os.environ, **params.libpq_env()},
                                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    await bench.wait()
    for c in (setup, long_q, holder, *waiters):
        await c.close()
    await asyncio.sleep(2.5)
    return out


@pytest.fixture(scope="module")
def recorded(pg_cluster, pg_params, tmp_path_factory):
    with database(pg_params, "hist") as params:
        pgbench = str(pg_cluster.bin("pgbench"))
        subprocess.run([pgbench, "-i", "-q", "-s", "1"], env={**os.environ, **params.libpq_env()},
                       check=True, capture_output=True)
        path = str(tmp_path_factory.mktemp("hist") / "rec.db")
        proc = recorder(params, path, "-q")
        try:
            wait_records(path, 2)
            events = run(scenario(params, pgbench))
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        yield {"path": path, "params": params, "rc": proc.returncode, "stdout": out, "stderr": err,
               "pgbench": pgbench, **events}


def test_the_recorder_stops_cleanly_and_quietly(recorded):
    assert recorded["rc"] == 0, recorded["stderr"]
    assert recorded["stdout"] == "" and recorded["stderr"] == ""
    assert not Path(recorded["path"] + "-wal").exists() or Path(recorded["path"] + "-wal").stat().st_size == 0


def test_the_report_names_the_root_blocker_the_waiters_and_the_duration(recorded):
    t1 = (recorded["lock_from"] - timedelta(seconds=1)).isoformat()
    t2 = recorded["lock_after"].isoformat()
    r = pgconsole("report", "--from", recorded["path"], "--between", t1, t2, "--format", "json")
    assert r.returncode == 0, r.stderr
    locks = next(s for s in json.loads(r.stdout)["sections"] if s["id"] == "locks")
    (ep,) = locks["tables"]["episodes"]["rows"]
    assert ep["root_pid"] == recorded["holder_pid"] and ep["application"] == "hist-holder"
    assert ep["waiter_pids"] == ", ".join(map(str, recorded["waiter_pids"]))
    true = (recorded["lock_to"] - recorded["lock_from"]).total_seconds()
    started, gone = datetime.fromisoformat(ep["started"]), datetime.fromisoformat(ep["ended_by"])
    last_seen = started + timedelta(seconds=ep["duration_s"])
    refresh = (gone - last_seen).total_seconds()       # the two frames the end fell between
    assert abs((started - recorded["lock_from"]).total_seconds()) < 0.3
    assert last_seen <= recorded["lock_to"] + timedelta(seconds=0.3) <= gone + timedelta(seconds=0.6)
    assert refresh <= 3 * REFRESH                       # the recorder kept its cadence
    assert true - refresh - 0.3 <= ep["duration_s"] <= true + 0.3, (ep["duration_s"], true)
    assert {w["application"] for w in locks["tables"]["waiters"]["rows"]} == {"hist-waiter"}


def test_a_moment_shows_the_lock_tree_while_it_existed_and_not_after(recorded):
    async def go():
        rec = await Recording.open(recorded["path"])
        try:
            during = await rec.at(recorded["lock_during"])
            after = await rec.at(recorded["lock_after"])
        finally:
            await rec.close()
        return during, after
    during, after = run(go())
    assert isinstance(during.frame.locks, Locks) and during.frame.locks.roots == (recorded["holder_pid"],)
    assert sorted(n.pid for n in during.frame.locks.nodes[1:]) == recorded["waiter_pids"]
    long = [b for b in during.frame.connections.backends if b.pid == recorded["long_pid"]]
    assert long and "pg_sleep" in long[0].query and long[0].state == "active"
    assert after.frame.locks.waiting_count == 0
    r = pgconsole("snapshot", "--from", recorded["path"], "--at", recorded["lock_during"].isoformat(), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["locks"]["waiting_count"] == 2


def test_pgbench_shows_in_statements_and_connection_peaks(recorded):
    r = pgconsole("report", "--from", recorded["path"], "--between", recorded["pgbench_from"].isoformat(), "end",
                  "--format", "json")
    assert r.returncode == 0, r.stderr
    sections = {s["id"]: s for s in json.loads(r.stdout)["sections"]}
    top = sections["statements"]["tables"]["top"]["rows"]
    assert any("pgbench_accounts" in (row["query"] or "") and row["calls"] > 10 for row in top)
    peaks = {p["application"]: p for p in sections["connections"]["tables"]["peaks"]["rows"]}
    assert peaks["pgbench"]["peak"] >= 2


def test_a_damaged_or_truncated_file_is_one_line_and_exit_2(recorded, tmp_path):
    data = Path(recorded["path"]).read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 2])
    bad = tmp_path / "bad.db"
    mid = len(data) // 2
    bad.write_bytes(data[:4096] + bytes(range(256)) * ((mid - 4096) // 256) + data[4096 + ((mid - 4096) // 256) * 256:])
    for f in (cut, bad):
        for cmd in (("report", "--from", str(f)), ("snapshot", "--from", str(f))):
            r = pgconsole(*cmd)
            assert r.returncode == 2, (cmd, r.stdout[-300:], r.stderr)
            assert r.stderr.count("\n") == 1 and r.stderr.startswith("pgconsole: error: "), r.stderr
            assert "Traceback" not in r.stderr
    before = bad.read_bytes()
    r = pgconsole("record", recorded["params"].uri(), "-o", str(bad), "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and bad.read_bytes() == before, r.stderr


def test_kill_9_loses_at_most_the_last_frame_and_the_file_goes_on(recorded, tmp_path):
    path = str(tmp_path / "crash.db")
    proc = recorder(recorded["params"], path, "-q")
    try:
        wait_records(path, 8)
    finally:
        proc.kill()
        proc.wait(10)
    n = records(path)
    assert n >= 8

    async def last_moment():
        rec = await Recording.open(path)
        try:
            seen = [m async for m in rec.moments()]
            return rec.server.records, seen[-1], await rec.at(rec.last)
        finally:
            await rec.close()
    count, last, at_last = run(last_moment())
    assert count == n and at_last.id == last.id and last.frame.connections is not None
    proc = recorder(recorded["params"], path, "-q")         # a new recorder continues the file
    try:
        wait_records(path, n + 3)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert run(last_moment())[0] >= n + 3


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("mount"), reason="needs root to mount a small tmpfs")
def test_a_full_disk_stops_the_recording_with_one_line(recorded, tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = str(mnt / "full.db")
        proc = recorder(recorded["params"], path, "-q", "--refresh", "0.2")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2 and err.count("\n") == 1 and "no space left" in err, err
        n = records(path)
        assert n > 0
        r = pgconsole("snapshot", "--from", path, "--json")
        assert r.returncode == 0, r.stderr
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


async def test_replay_shows_the_lock_tree_at_the_moment_it_existed_and_not_after(recorded):
    from pgconsole.history.replay import RecordedSource
    from pgconsole.ui.app import ConsoleApp

    source = await RecordedSource.open(recorded["path"])
    app = ConsoleApp(None, None, target="replay", read_only=True, replay=source)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):                                      # read in a thread, after the first moment
                if app.markers:
                    break
                await pilot.pause(0.05)
            assert any(m.kind == "lock" and abs((m.at - recorded["lock_from"]).total_seconds()) < 1.5
                       for m in app.markers), app.markers
            await pilot.press("2")                                   # the Locks pane
            await app.jump(recorded["lock_during"])
            await pilot.pause()
            pane = app.current_pane
            holder, waiters = str(recorded["holder_pid"]), [str(p) for p in recorded["waiter_pids"]]
            assert pane.table.ordered_keys[0] == holder and sorted(pane.table.ordered_keys[1:]) == waiters
            assert "REPLAY" in app.header._status().plain
            pane.table.select_key(waiters[0])
            app._refresh_extra(stale_only=False)                      # what it waited for, as recorded
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert ("locks", waiters[0]) in pane.extras and not isinstance(pane.extras[("locks", waiters[0])], str)
            await app.jump(recorded["lock_after"])
            await pilot.pause()
            assert pane.table.row_count == 0
    finally:
        await source.close()
