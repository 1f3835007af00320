#!/usr/bin/env python3
"""Recording (issue 16): size per hour, the recorder's CPU against the console's, seeking a
24-hour recording, a report over one hour of it.

Starts its own embedded server (PG 18) with the load of bench_console plus 500 distinct
statements (history_load.py): pgbench tpcb-like scale 10, 8 clients at --tps; 200 idle
sessions; a lock chain of 4 for 20 s every 2 minutes; a trickle over the 500 statements.

1. size: `pgconsole record --refresh 1` for --seconds (default 600: ten minutes), then the
   same frames read back and written as `snapshot --json` documents, one compact line each
   (JSONL, pg_glimpse's form). Per hour: both figures times 3600 / seconds.
2. CPU: client CPU seconds (utime + stime) and server time per refresh of `pgconsole record`
   and of the console `pgconsole --refresh 1` (tmux, 120x40), --cpu-seconds each, ABBA over
   --rounds, with bench_console's method (run_tool: own roles, pg_stat_statements).
3. 24 hours: the recorded frames written again with shifted times until 86,400 frames
   (the recorder's own writer, in process), then: opening the file and seeking to 50 random
   moments (a new Recording each time: open + seek), and `pgconsole report --from FILE
   --between` over one hour in the middle (a subprocess: Python start-up included); the
   console's replay: open and show a moment, the timeline's markers, jumps (80x24, Pilot).

Usage: .venv/bin/python benchmarks/bench_history.py [--seconds 600] [--cpu-seconds 60] [--rounds 2]
       [--keep DIR] [--json FILE]   (about 40 minutes on 2 CPUs; --day DIR/day.db reruns step 3 alone;
       --replay DIR/day.db only the replay measurement)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import asyncpg  # noqa: E402

from bench_console import VENV_BIN, cpu_seconds, machine, run_tool  # noqa: E402
from history_load import Load  # noqa: E402
from pgconsole.cluster import LocalCluster, scram_verifier  # noqa: E402
from pgconsole.conninfo import ConnParams  # noqa: E402
from pgconsole.history.codec import TypeTable  # noqa: E402
from pgconsole.history.compress import Packer  # noqa: E402
from pgconsole.history.reader import Recording  # noqa: E402
from pgconsole.history.sqlite_store import SqliteSink  # noqa: E402
from pgconsole.history.stream import RecordWriter  # noqa: E402
from pgconsole.serialize import frame_json  # noqa: E402

DAY = 86400


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def calibration_ms() -> float:
    """A fixed pure-Python loop: how fast this machine runs Python right now (the machine is
    shared; ~12 ms when this kind of machine is idle), to scale the timings below by."""
    t0 = time.perf_counter()
    sum(range(1_000_000))
    return round((time.perf_counter() - t0) * 1000, 1)


def mb(n: float) -> float:
    return round(n / 1e6, 2)


# -- 1. size ------------------------------------------------------------------------------------
def record_for(seconds: float, tcp: dict, path: Path) -> dict:
    argv = [str(VENV_BIN / "pgconsole"), "record", "--refresh", "1", "-o", str(path), "-q", "--retention", "0"]
    proc = subprocess.Popen(argv, env={**os.environ, **tcp})
    time.sleep(5)
    cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = cpu_seconds(proc.pid), time.monotonic()
    proc.terminate()
    proc.wait(60)
    return {"cpu_s": round(cpu1 - cpu0, 2), "wall_s": round(t1 - t0, 1)}


async def jsonl_size(path: Path) -> tuple[int, int, int]:
    """(frames, bytes as JSON lines, bytes of the recording file)."""
    rec = await Recording.open(str(path))
    frames = total = 0
    async for m in rec.moments():
        total += len(json.dumps(frame_json(m.frame), default=str)) + 1
        frames += 1
    await rec.close()
    return frames, total, path.stat().st_size


# -- 3. 24 hours --------------------------------------------------------------------------------
async def synthesize(src: Path, dst: Path, frames: int) -> dict:
    """`frames` records: the source's moments over and over, each pass shifted by its span."""
    rec = await Recording.open(str(src))
    moments = [m async for m in rec.moments()]
    await rec.close()
    span = moments[-1].at - moments[0].at + timedelta(seconds=1)
    start = moments[0].at - span * (frames // len(moments) + 1)
    sink = await SqliteSink.open(str(dst), "synthetic", "bench@synthetic", None, None)
    types = TypeTable()
    writer, packer = RecordWriter(types), Packer()
    cpu0 = time.process_time()
    n = 0
    try:
        while n < frames:
            shift = start - moments[0].at + span * (n // len(moments))
            for m in moments:
                if n == frames:
                    break
                f = replace(m.frame, sampled_at=m.at + shift, seq=n + 1)
                r = writer.record(f, m.caps, m.catalog)
                await sink.append(r.at_us, r.key, packer.pack(r.payload, r.key), r.summary, list(types.pending))
                types.pending.clear()
                n += 1
    finally:
        await sink.close()
    return {"frames": n, "write_cpu_ms_per_frame": round((time.process_time() - cpu0) * 1000 / n, 2),
            "file_mb": mb(dst.stat().st_size)}


async def seeks(path: Path, n: int = 50) -> dict:
    rec = await Recording.open(str(path))
    first, last = rec.first, rec.last
    await rec.close()
    rnd = random.Random(16)
    opens, seeks_ = [], []
    cpu0 = time.process_time()
    for _ in range(n):
        t = first + (last - first) * rnd.random()
        t0 = time.perf_counter()
        rec = await Recording.open(str(path))
        t1 = time.perf_counter()
        m = await rec.at(t)
        t2 = time.perf_counter()
        assert m is not None and m.frame.connections is not None
        await rec.close()
        opens.append((t2 - t0) * 1000)
        seeks_.append((t2 - t1) * 1000)
    return {"cpu_ms_each": round((time.process_time() - cpu0) * 1000 / n, 1),
            "open_and_seek_ms": {"median": round(statistics.median(opens), 1), "max": round(max(opens), 1)},
            "seek_ms": {"median": round(statistics.median(seeks_), 1), "max": round(max(seeks_), 1)},
            "span_h": round((last - first).total_seconds() / 3600, 2)}


async def replay_open_and_seek(path: Path, n: int = 20) -> dict:
    """The console's replay (issue 16, goal: open a 24-hour recording and jump to any moment
    in under 200 ms): the data source opened and a first moment shown in the console (80x24,
    Pilot), the timeline's markers read, then jumps to random moments, each drawn."""
    import threading

    from pgconsole.history.replay import RecordedSource
    from pgconsole.ui import timetravel
    from pgconsole.ui.app import ConsoleApp

    rnd = random.Random(16)
    core = []
    for _ in range(n):
        t0 = time.perf_counter()
        src = await RecordedSource.open(str(path))
        m = await src.seek(src.first + (src.last - src.first) * rnd.random())
        core.append((time.perf_counter() - t0) * 1000)
        assert m.frame.connections is not None
        await src.close()
    src = await RecordedSource.open(str(path))
    t0 = time.perf_counter()
    marks = await src.markers()
    markers_ms = (time.perf_counter() - t0) * 1000
    await src.close()
    t0 = time.perf_counter()
    async with ConsoleApp(None, None, target="bench").run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    bare_ms = (time.perf_counter() - t0) * 1000          # Textual's start-up alone, for comparison
    # the markers' thread waits until the first moment is drawn (else the first pause would
    # wait for it too), then reads them: the time until they are on the bar is measured apart
    drawn, read = threading.Event(), timetravel.read_markers
    timetravel.read_markers = lambda where, server: (drawn.wait(60), read(where, server))[1]
    t0 = time.perf_counter()
    src = await RecordedSource.open(str(path))
    app = ConsoleApp(None, None, target="bench", read_only=True, replay=src)
    jumps, jump_cpu, opened_ms, ui_markers_ms = [], [], 0.0, 0.0
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            opened_ms = (time.perf_counter() - t0) * 1000      # the first moment drawn
            t0 = time.perf_counter()
            drawn.set()
            while not app.markers:
                await pilot.pause(0.01)
            ui_markers_ms = (time.perf_counter() - t0) * 1000  # then the timeline's markers (a thread)
            await pilot.press("2")
            for _ in range(n):
                t = src.first + (src.last - src.first) * rnd.random()
                t1, c1 = time.perf_counter(), time.process_time()
                await app.jump(t)
                await pilot.pause()
                jumps.append((time.perf_counter() - t1) * 1000)
                jump_cpu.append((time.process_time() - c1) * 1000)
    finally:
        timetravel.read_markers = read
        await src.close()
    return {"span_h": round((src.last - src.first).total_seconds() / 3600, 2),
            "source_open_and_seek_ms": {"median": round(statistics.median(core), 1), "max": round(max(core), 1)},
            "markers_ms": round(markers_ms, 1), "markers": len(marks),
            "console_start_bare_ms": round(bare_ms, 1),
            "console_open_ms": round(opened_ms, 1), "console_markers_shown_ms": round(ui_markers_ms, 1),
            "console_jump_ms": {"median": round(statistics.median(jumps), 1), "max": round(max(jumps), 1)},
            "console_jump_cpu_ms": {"median": round(statistics.median(jump_cpu), 1),
                                    "max": round(max(jump_cpu), 1)}}


def report_hour(path: Path) -> dict:
    async def bounds():
        rec = await Recording.open(str(path))
        try:
            return rec.first, rec.last
        finally:
            await rec.close()
    first, last = asyncio.run(bounds())
    mid = first + (last - first) / 2
    argv = [str(VENV_BIN / "pgconsole"), "report", "--from", str(path), "--between", mid.isoformat(),
            (mid + timedelta(hours=1)).isoformat(), "--format", "json"]
    t0 = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    return {"wall_s": round(wall, 2), "frames": doc["server"]["frames"]}


async def report_in_process(path: Path) -> dict:
    """The same hour's analysis in this process: wall and CPU seconds (no Python start-up)."""
    from pgconsole.history.window import analyse
    rec = await Recording.open(str(path))
    try:
        mid = rec.first + (rec.last - rec.first) / 2
        t0, c0 = time.perf_counter(), time.process_time()
        d = await analyse(rec, mid, mid + timedelta(hours=1))
        return {"wall_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2),
                "frames": d.moments}
    finally:
        await rec.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=600.0)
    ap.add_argument("--cpu-seconds", type=float, default=60.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tps", type=int, default=200)
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--statements", type=int, default=500)
    ap.add_argument("--day-frames", type=int, default=DAY, help="frames of the synthesized day (default 86400)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--keep", type=Path, default=None, help="keep the recordings in this directory")
    ap.add_argument("--replay", type=Path, default=None, metavar="DAY_DB",
                    help="only the replay measurement (open, markers, jumps), on this 24-hour recording")
    ap.add_argument("--day", type=Path, default=None,
                    help="only step 3, on this 24-hour recording (one kept by an earlier --keep run)")
    args = ap.parse_args()
    if args.replay:
        out = {"machine": machine(), "load_average_start": loadavg(), "calibration_ms_start": calibration_ms(),
               "replay": asyncio.new_event_loop().run_until_complete(replay_open_and_seek(args.replay)),
               "load_average_end": loadavg(), "calibration_ms_end": calibration_ms()}
        print(json.dumps(out, indent=2))
        return 0
    if args.day:
        loop = asyncio.new_event_loop()
        out = {"machine": machine(), "load_average_start": loadavg(), "calibration_ms_start": calibration_ms(),
               "seek": loop.run_until_complete(seeks(args.day)), "report_one_hour": report_hour(args.day),
               "report_one_hour_in_process": loop.run_until_complete(report_in_process(args.day)),
               "load_average_end": loadavg(), "calibration_ms_end": calibration_ms()}
        print(json.dumps(out, indent=2))
        return 0
    if shutil.which("tmux") is None:
        print("tmux is needed (the console runs in a real 120x40 terminal)", file=sys.stderr)
        return 2
    out: dict = {"machine": machine(), "load_average_start": loadavg(), "calibration_ms_start": calibration_ms(),
                 "seconds": args.seconds}
    root = Path(tempfile.mkdtemp(prefix="pgc-bench-history-"))
    os.environ["TMUX_TMPDIR"] = str(root)      # a tmux server of its own
    work = args.keep or root
    work.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(root / "pg")
    st = cluster.start(extra_settings={"max_connections": "400", "fsync": "off", "synchronous_commit": "off"})
    admin_p = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
    loop = asyncio.new_event_loop()
    aconn = loop.run_until_complete(asyncpg.connect(**admin_p.asyncpg_kwargs()))

    def admin(sql: str, *a, fetch: str = "val"):
        return loop.run_until_complete({"val": aconn.fetchval, "row": aconn.fetchrow}[fetch](sql, *a))

    password = secrets.token_urlsafe(12)
    for role in ("bench_console", "bench_record"):
        admin(f"CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{scram_verifier(password)}'")
    admin("CREATE DATABASE bench")
    bench = admin_p.with_database("bench")
    pgbench = str(cluster.bin("pgbench"))
    env = {**os.environ, **bench.libpq_env()}
    subprocess.run([pgbench, "-i", "-q", "-s", "10"], env=env, check=True, capture_output=True)
    total_s = args.seconds + args.rounds * 2 * (args.cpu_seconds + 20) + 120
    bench_proc = subprocess.Popen([pgbench, "-n", "-c", "8", "-j", "2", "-R", str(args.tps), "-T", str(int(total_s))],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = Load(bench, args.idle, args.statements)
    load.start()
    stop_locks = False

    async def chains():
        while not stop_locks:
            await load.lock_chain(20.0)
            await asyncio.sleep(100.0)
    chain_task = asyncio.run_coroutine_threadsafe(chains(), load.loop)
    tcp = {"PGHOST": "127.0.0.1", "PGPORT": str(st.port), "PGDATABASE": "bench", "PGPASSWORD": password}
    try:
        # 1. size
        path = work / "recording.db"
        out["record"] = record_for(args.seconds, {**tcp, "PGUSER": "bench_record"}, path)
        frames, jsonl, size = loop.run_until_complete(jsonl_size(path))
        per_h = 3600 / args.seconds
        out["size"] = {"frames": frames, "recording_mb": mb(size), "jsonl_mb": mb(jsonl),
                       "recording_mb_per_hour": mb(size * per_h), "jsonl_mb_per_hour": mb(jsonl * per_h),
                       "ratio": round(jsonl / size, 1), "bytes_per_frame": round(size / frames)}
        out["load_average_after_size"] = loadavg()
        # 2. CPU, ABBA
        tools = {
            "pgconsole record": ([str(VENV_BIN / "pgconsole"), "record", "--refresh", "1", "-o",
                                  str(work / "cpu.db"), "--retention", "0"], "bench_record"),
            "pgconsole (console)": ([str(VENV_BIN / "pgconsole"), "--refresh", "1"], "bench_console"),
        }
        rounds = []
        for i in range(args.rounds):
            order = list(tools) if i % 2 == 0 else list(reversed(tools))
            done = {}
            for name in order:
                argv, role = tools[name]
                done[name] = run_tool(name, argv, {**tcp, "PGUSER": role}, admin, role, args.cpu_seconds, 8.0,
                                      "%pg_postmaster_start_time%")
            rounds.append(done)
        out["cpu"] = {name: {k: statistics.median(r[name][k] for r in rounds)
                             for k in ("cpu_s", "cpu_pct", "refreshes", "server_ms_per_refresh",
                                       "queries_per_refresh", "backend_cpu_ms_per_refresh", "peak_rss_mb")}
                      for name in tools}
        out["cpu_rounds"] = [{n: r[n]["cpu_s"] for n in tools} for r in rounds]
        out["load_average_after_cpu"] = loadavg()
    finally:
        stop_locks = True
        chain_task.cancel()
        bench_proc.terminate()
        load.stop()
        loop.run_until_complete(aconn.close())
        cluster.destroy()
    # 3. 24 hours, no server needed
    day = work / "day.db"
    out["synthesis"] = loop.run_until_complete(synthesize(work / "recording.db", day, args.day_frames))
    out["seek"] = loop.run_until_complete(seeks(day))
    out["replay"] = loop.run_until_complete(replay_open_and_seek(day))
    out["report_one_hour"] = report_hour(day)
    out["report_one_hour_in_process"] = loop.run_until_complete(report_in_process(day))
    out["load_average_end"] = loadavg()
    out["calibration_ms_end"] = calibration_ms()
    print(json.dumps(out, indent=2))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
