#!/usr/bin/env python3
"""The live console against pg_activity 3.6 on the same load, in the same run (issue 3).

Starts its own embedded server (PG 18, max_connections above the largest --idle), puts
a load on it and runs each tool for --seconds in a real terminal (tmux, 120x40), one
after the other, under the same ongoing load, at each --idle size (ascending: sessions
are added, never dropped) and each --refresh (`default`: each tool's own default, 2 s
for both; or seconds):
- pgbench (the embedded binary), tpcb-like, scale 10, 8 clients rate-limited to --tps;
- --idle idle sessions held open (a list: 200,800,2000 measures each size in turn);
- a lock chain: one session holds a row lock, three more queue behind it (a tree).

The floor: while each tool runs, two more sessions of their own roles read
pg_stat_activity at the same refresh, connected as the tools are (TCP, 127.0.0.1), the
least any session list costs:
`SELECT count(*) FROM pg_stat_activity` (floor_count: every backend's row is still
built, none is sent) and `SELECT * FROM pg_stat_activity` (floor_rows: every row sent).
Their backend CPU is measured as the tools' is. (They run beside each tool, so both
tools see the same extra load.)

Measured per tool, over the measuring window (after a warm-up):
- client CPU seconds: on-CPU time of the tool's threads (/proc/<pid>/task/*/schedstat, ns;
  utime + stime, in 10 ms ticks, are reported beside it as cpu_ticks_s);
- peak RSS: VmHWM of the process at the end;
- server time: pg_stat_statements total_exec_time + total_plan_time and calls of the
  tool's own role (each tool logs in as its own superuser role, so nothing else is
  counted), reset at the start of the window;
- backend CPU: on-CPU time of the tool's server backends (/proc/<pid>/schedstat), the
  whole server-side cost (parse, plan, execute, send);
- refreshes: polls the tool made (pgconsole: calls of its overview query; pg_activity:
  calls of its activity query, its once-per-refresh statement);
- per query: each of the tool's statements in pg_stat_statements (pgconsole's are named
  by their SQL file: its statements carry the /* pgconsole */ marker), ms and rows per
  refresh.

pg_activity runs from its own venv (default /tmp/pga-venv/bin/pg_activity; create it
with `python3 -m venv /tmp/pga-venv && /tmp/pga-venv/bin/pip install "pg_activity[psycopg]==3.6.*"`).
`--base PATH` adds another pgconsole build (e.g. main's, in a venv of its own) as a third tool,
to measure what a change costs; `--no-pga` leaves pg_activity out; `--keys 7` presses keys
in this build's console once it runs (7: the Replication & WAL pane on screen).

Usage: .venv/bin/python benchmarks/bench_console.py [--seconds 60] [--rounds N] [--pga PATH] [--no-pga]
       [--idle 200,800,2000] [--refresh default,1] [--base PATH] [--keys KEYS] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import asyncpg  # noqa: E402

from pgconsole.cluster import LocalCluster, scram_verifier  # noqa: E402
from pgconsole.conninfo import ConnParams  # noqa: E402
from pgconsole import sqlfiles  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
VENV_BIN = Path(sys.executable).parent


def cpu_seconds(pid: int) -> float:
    """All the CPU the process has used, its ended threads' too (utime + stime, 10 ms ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK    # utime, stime


def thread_ns(pid: int) -> dict[int, int]:
    """On-CPU ns of each thread (schedstat): a tool at 0.5% of a core in a 30 s window is
    only 15 ticks of utime + stime."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[int(task.name)] = int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            pass
    return out


def cpu_between(before: dict[int, int], after: dict[int, int]) -> float:
    """Seconds on CPU between two thread_ns() (a thread that ended in between: its last part is lost)."""
    return sum(max(0, ns - before.get(tid, 0)) for tid, ns in after.items()) / 1e9


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def oncpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except (OSError, ValueError):
            pass
    return total / 1e9


def machine() -> str:
    model = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                  if ln.startswith("model name")), platform.processor())
    mem = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
               if ln.startswith("MemTotal")) / 1024 / 1024
    return f"{os.cpu_count()} CPUs ({model}), {mem:.0f} GB RAM"


# -- load: idle sessions, a lock chain and the floor readers, on their own loop in a thread ----
FLOOR_QUERIES = {"floor_count": "SELECT count(*) FROM pg_stat_activity",
                 "floor_rows": "SELECT * FROM pg_stat_activity"}


class Load:
    def __init__(self, params: ConnParams, floor_params: dict[str, ConnParams]):
        self.params, self.floor_params = params, floor_params
        self.loop = asyncio.new_event_loop()
        self.conns: list[asyncpg.Connection] = []
        self.idle = 0
        self.waits: list = []
        self.floor_pids: dict[str, int] = {}
        self.floor_conns: dict[str, asyncpg.Connection] = {}
        self.floor_task: asyncio.Future | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _run(self, coro, timeout: float = 300):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        self._run(self._start())

    def grow(self, idle: int) -> None:
        """Hold `idle` idle sessions open (more are added, none dropped)."""
        self._run(self._grow(idle), 600)

    async def _connect(self, app: str, params: ConnParams | None = None) -> asyncpg.Connection:
        c = await asyncpg.connect(**(params or self.params).asyncpg_kwargs(),
                                  server_settings={"application_name": app})
        self.conns.append(c)
        return c

    async def _grow(self, idle: int) -> None:
        while self.idle < idle:
            n = min(20, idle - self.idle)
            await asyncio.gather(*(self._connect("bench-idle") for _ in range(n)))
            self.idle += n

    async def _start(self) -> None:
        setup = await self._connect("bench-setup")
        await setup.execute("CREATE TABLE IF NOT EXISTS bench_lock (id int PRIMARY KEY, v int);"
                            "INSERT INTO bench_lock VALUES (1, 0) ON CONFLICT DO NOTHING")
        holder = await self._connect("bench-holder")
        await holder.execute("BEGIN; SELECT * FROM bench_lock WHERE id = 1 FOR UPDATE")
        for _ in range(3):
            w = await self._connect("bench-waiter")
            t = asyncio.ensure_future(w.execute("UPDATE bench_lock SET v = v + 1 WHERE id = 1"))
            t.add_done_callback(lambda f: f.cancelled() or f.exception())   # ended by stop(): expected
            self.waits.append(t)
        for name, params in self.floor_params.items():
            c = await self._connect("bench-" + name, params)
            self.floor_conns[name] = c
            self.floor_pids[name] = c.get_server_pid()

    def floor_start(self, refresh: float) -> None:
        async def reader(name: str) -> None:
            conn, sql = self.floor_conns[name], FLOOR_QUERIES[name]
            while True:
                t0 = time.monotonic()
                await conn.fetch(sql)
                await asyncio.sleep(max(0.0, refresh - (time.monotonic() - t0)))

        async def go() -> None:
            self.floor_task = asyncio.gather(*(reader(n) for n in self.floor_conns))
            self.floor_task.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._run(go())

    def floor_stop(self) -> None:
        async def stop() -> None:
            if self.floor_task is not None:
                self.floor_task.cancel()
                await asyncio.sleep(0.05)
        self._run(stop())

    def stop(self) -> None:
        async def close():
            for c in self.conns:
                c.terminate()
        self._run(close(), 60)
        self.loop.call_soon_threadsafe(self.loop.stop)


# -- which SQL file a pg_stat_statements entry is ------------------------------------------------
def _shape(sql: str) -> str:
    """A statement without comments, literals, parameters or spacing: how pg_stat_statements'
    normalized text (constants as $n, leading comments gone from 18) and the file compare."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    sql = re.sub(r"'(?:[^']|'')*'|\$\d+|\b\d+(?:\.\d+)?\b", "?", sql)
    return re.sub(r"\s+", "", sql).lower()


def sql_names(version_num: int) -> dict[str, str]:
    out = {}
    for name in sqlfiles.all_queries():
        try:
            out[_shape(sqlfiles.load(name, version_num))] = name
        except Exception:   # noqa: BLE001 - a query this server is too old for, or an extension's
            continue
    return out


def label(query: str, names: dict[str, str]) -> str:
    shape = _shape(query)
    if shape in names:
        return names[shape]
    text = re.sub(r"\s+", " ", query).strip()
    return ("pgconsole: " if sqlfiles.is_own(query) else "") + text[:60]


# -- running a tool in tmux ---------------------------------------------------------------------
TMUX_SOCKET = os.environ.get("PGCONSOLE_BENCH_TMUX")   # a tmux server of one's own (-L NAME) on a shared machine


def tmux(*args: str) -> str:
    socket = ["-L", TMUX_SOCKET] if TMUX_SOCKET else []
    return subprocess.run(["tmux", *socket, *args], capture_output=True, text=True, check=True).stdout


def run_tool(name: str, argv: list[str], env: dict[str, str], admin, role: str, seconds: float,
             warmup: float, refresh_query: str, keys: str, load: Load, floor_refresh: float,
             names: dict[str, str]) -> dict:
    session = "bench-" + "".join(c for c in name if c.isalnum()) + "-" + secrets.token_hex(3)
    envs = " ".join(f"{k}={v}" for k, v in env.items())
    cmd = f"exec env TERM=xterm-256color {envs} " + " ".join(argv)
    for attempt in range(3):   # the previous tool's tmux server may still be exiting
        try:
            tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", cmd)
            break
        except subprocess.CalledProcessError:
            if attempt == 2:
                raise
            time.sleep(1.0)
    load.floor_start(floor_refresh)
    try:
        pid = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
        if keys:
            time.sleep(3)
            for k in keys:
                tmux("send-keys", "-t", session, k)
        time.sleep(warmup)
        startup_cpu = cpu_seconds(pid)
        backends = admin("SELECT array_agg(pid) FROM pg_stat_activity WHERE usename = $1", role) or []
        admin("SELECT pg_stat_statements_reset()")
        floor_pids = dict(load.floor_pids)
        floor0 = {n: oncpu_seconds([p]) for n, p in floor_pids.items()}
        th0, cpu0, on0, t0 = thread_ns(pid), cpu_seconds(pid), oncpu_seconds(backends), time.monotonic()
        time.sleep(seconds)
        th1, cpu1, on1, t1 = thread_ns(pid), cpu_seconds(pid), oncpu_seconds(backends), time.monotonic()
        floor1 = {n: oncpu_seconds([p]) for n, p in floor_pids.items()}
        rss = peak_rss_mb(pid)
        row = admin("SELECT coalesce(sum(s.total_exec_time + s.total_plan_time), 0)::float8 AS ms, "
                    "coalesce(sum(s.calls), 0)::bigint AS calls, "
                    "coalesce(max(s.calls) FILTER (WHERE s.query ILIKE $2), 0)::bigint AS refreshes "
                    "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1",
                    role, refresh_query, fetch="row")
        per_query = admin("SELECT coalesce(json_agg(t), '[]')::text FROM (SELECT s.query, s.calls, s.rows, "
                          "(s.total_exec_time + s.total_plan_time)::float8 AS ms "
                          "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1 "
                          "ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT 20) t", role)
        screen = tmux("capture-pane", "-p", "-t", session)
    finally:
        load.floor_stop()
        subprocess.run(["tmux", *(["-L", TMUX_SOCKET] if TMUX_SOCKET else []), "kill-session", "-t", session],
                       capture_output=True)
    wall = t1 - t0
    refreshes = row["refreshes"] or round(wall)
    queries = [{"query": label(q["query"], names), "calls": q["calls"],
                "ms_per_refresh": round(q["ms"] / max(refreshes, 1), 3),
                "rows_per_call": round(q["rows"] / max(q["calls"], 1), 1)} for q in json.loads(per_query)]
    out = {
        "tool": name, "seconds": round(wall, 1), "startup_cpu_s": round(startup_cpu, 2),
        "cpu_s": round(cpu_between(th0, th1), 3), "cpu_pct": round(100 * cpu_between(th0, th1) / wall, 3),
        "cpu_ticks_s": round(cpu1 - cpu0, 2),
        "peak_rss_mb": round(rss, 1), "refreshes": refreshes,
        "server_ms": round(row["ms"], 1), "server_ms_per_refresh": round(row["ms"] / max(refreshes, 1), 2),
        "queries_per_refresh": round(row["calls"] / max(refreshes, 1), 1),
        "backend_cpu_ms_per_refresh": round((on1 - on0) * 1000 / max(refreshes, 1), 2),
        "backend_cpu_ms_per_s": round((on1 - on0) * 1000 / wall, 2),
        "screen_head": screen.splitlines()[:6],
        "per_query": queries,   # where the server time went (the tool's role only)
    }
    for n in floor_pids:
        out[f"{n}_ms_per_s"] = round((floor1[n] - floor0[n]) * 1000 / wall, 2)
    return out


def _median_result(runs: tuple[dict, ...]) -> dict:
    """One tool's rounds as one row: the median of each figure (the last round's screen)."""
    out = dict(runs[-1])
    for k, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = round(statistics.median(r[k] for r in runs), 2)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=8.0)
    ap.add_argument("--idle", default="200", help="idle sessions: one size or a list (200,800,2000)")
    ap.add_argument("--refresh", default="1",
                    help="refresh in seconds, or `default` (each tool's own); a list: default,1")
    ap.add_argument("--tps", type=int, default=200, help="pgbench rate limit (-R)")
    ap.add_argument("--max-connections", type=int, default=None,
                    help="the server's max_connections (default: the largest --idle + 100, at least 400; "
                         "PostgreSQL sizes some reads by it, so give 2100 to compare a subset with a full run)")
    ap.add_argument("--pga", default="/tmp/pga-venv/bin/pg_activity")
    ap.add_argument("--no-pga", action="store_true", help="leave pg_activity out")
    ap.add_argument("--base", default=None, metavar="PATH",
                    help="another pgconsole executable to measure beside this one (e.g. main's build)")
    ap.add_argument("--keys", default="", help="keys pressed in this build's console once it runs")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat the tools N times, the order flipping each round (medians reported)")
    args = ap.parse_args()
    sizes = sorted(int(x) for x in args.idle.split(","))
    refreshes = [r.strip() for r in args.refresh.split(",")]
    if not args.no_pga and not Path(args.pga).exists():
        print(f"pg_activity not found at {args.pga} (see the docstring, or --no-pga)", file=sys.stderr)
        return 2
    if args.base and not Path(args.base).exists():
        print(f"no pgconsole at {args.base}", file=sys.stderr)
        return 2
    if shutil.which("tmux") is None:
        print("tmux is needed (each tool runs in a real 120x40 terminal)", file=sys.stderr)
        return 2

    root = Path(tempfile.mkdtemp(prefix="pgc-bench-console-"))
    cluster = LocalCluster(root)
    st = cluster.start(extra_settings={"max_connections": str(args.max_connections or max(400, sizes[-1] + 100)),
                                       "fsync": "off",
                                       "synchronous_commit": "off"})
    admin_p = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
    loop = asyncio.new_event_loop()
    aconn = loop.run_until_complete(asyncpg.connect(**admin_p.asyncpg_kwargs()))

    def admin(sql: str, *a, fetch: str = "val"):
        f = {"val": aconn.fetchval, "row": aconn.fetchrow}[fetch]
        return loop.run_until_complete(f(sql, *a))

    password = secrets.token_urlsafe(12)
    for role in ("bench_console", "bench_pga", "bench_base", "bench_floor_count", "bench_floor_rows"):
        admin(f"CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{scram_verifier(password)}'")
    admin("CREATE DATABASE bench")
    version_num = int(admin("SHOW server_version_num"))
    names = sql_names(version_num)
    bench = admin_p.with_database("bench")
    pgbench = str(cluster.bin("pgbench"))
    env = {**os.environ, **bench.libpq_env()}
    subprocess.run([pgbench, "-i", "-q", "-s", "10"], env=env, check=True, capture_output=True)
    n_tools = 1 + bool(args.base) + (not args.no_pga)
    load_s = (len(sizes) * len(refreshes) * args.rounds * n_tools * (args.seconds + args.warmup + 8)
              + len(sizes) * 120 + 60)
    bench_proc = subprocess.Popen([pgbench, "-n", "-c", "8", "-j", "2", "-R", str(args.tps), "-T", str(int(load_s))],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # the floor readers connect as the tools do (TCP on 127.0.0.1): over the Unix socket a
    # SELECT * FROM pg_stat_activity costs its backend 10-15% less at 200 sessions
    floor_params = {n: dataclasses.replace(bench, host="127.0.0.1", user=f"bench_{n}", password=password)
                    for n in FLOOR_QUERIES}
    load = Load(bench, floor_params)
    load.start()
    tcp = {"PGHOST": "127.0.0.1", "PGPORT": str(st.port), "PGDATABASE": "bench", "PGPASSWORD": password}

    def tools(refresh: str) -> dict:
        r = [] if refresh == "default" else ["--refresh", refresh]
        t = {"pgconsole": ([str(VENV_BIN / "pgconsole"), *r], {**tcp, "PGUSER": "bench_console"},
                           "bench_console", "%pg_postmaster_start_time%", args.keys)}
        if args.base:
            t["pgconsole (base)"] = ([args.base, *r], {**tcp, "PGUSER": "bench_base"},
                                     "bench_base", "%pg_postmaster_start_time%", "")
        if not args.no_pga:
            t["pg_activity 3.6"] = ([args.pga, *r], {**tcp, "PGUSER": "bench_pga"},
                                    "bench_pga", "%pg_encoding_to_char(b.encoding) AS encoding%", "")
        return t

    cells: list[dict] = []
    try:
        for size in sizes:
            load.grow(size)
            time.sleep(3)
            for refresh in refreshes:
                floor_refresh = 2.0 if refresh == "default" else float(refresh)   # both tools' default: 2 s
                ts = tools(refresh)
                rounds: list[list[dict]] = []
                for i in range(args.rounds):
                    order = list(ts) if i % 2 == 0 else list(reversed(ts))   # ABBA: neither always first
                    done = {}
                    for name in order:
                        argv, env_t, role, refresh_query, keys = ts[name]
                        done[name] = run_tool(name, argv, env_t, admin, role, args.seconds, args.warmup,
                                              refresh_query, keys, load, floor_refresh, names)
                    rounds.append([done[name] for name in ts])
                results = [_median_result(rs) for rs in zip(*rounds)]
                cell = {"idle": size, "refresh": refresh, "results": results,
                        "rounds": [[{k: v for k, v in r.items() if k not in ("screen_head", "per_query")}
                                    for r in rs] for rs in rounds]}
                cells.append(cell)
                print_cell(cell)
                if args.json:   # as it goes: a long run stopped early keeps what it measured
                    args.json.write_text(json.dumps(header(args, version_num) | {"cells": cells}, indent=2))
    finally:
        bench_proc.terminate()
        load.stop()
        loop.run_until_complete(aconn.close())
        cluster.destroy()
    print_summary(cells)
    return 0


def header(args, version_num: int) -> dict:
    return {"machine": machine(), "server": f"embedded PostgreSQL {version_num}",
            "load": f"pgbench tpcb-like scale 10, 8 clients at {args.tps} tps; idle sessions as given; "
                    f"a lock chain of 4; floor readers beside each tool",
            "seconds": args.seconds, "warmup": args.warmup, "rounds": args.rounds}


COLS = ("tool", "cpu_pct", "backend_cpu_ms_per_s", "server_ms_per_refresh", "backend_cpu_ms_per_refresh",
        "refreshes", "queries_per_refresh", "peak_rss_mb", "floor_count_ms_per_s", "floor_rows_ms_per_s")


def print_cell(cell: dict) -> None:
    print(f"\n== {cell['idle']} idle sessions, refresh {cell['refresh']} ==")
    print(" | ".join(COLS))
    for r in cell["results"]:
        print(" | ".join(str(r.get(c)) for c in COLS))
    if len(cell["rounds"]) > 1:
        print("(medians of %d rounds; client CPU %% by round: " % len(cell["rounds"])
              + "; ".join(" vs ".join(str(r["cpu_pct"]) for r in rs) for rs in cell["rounds"])
              + "; backend ms/s by round: "
              + "; ".join(" vs ".join(str(r["backend_cpu_ms_per_s"]) for r in rs) for rs in cell["rounds"]) + ")")
    for r in cell["results"]:
        print(f"  {r['tool']} per query (ms per refresh, calls, rows per call):")
        for q in r["per_query"][:8]:
            print(f"    {q['ms_per_refresh']:8.3f}  {q['calls']:5d}  {q['rows_per_call']:8.1f}  {q['query']}")
        print("  screen: " + " / ".join(x.strip() for x in r["screen_head"][:2]))


def print_summary(cells: list[dict]) -> None:
    print("\nidle | refresh | backend ms/s console vs pga (ratio) | client CPU % console vs pga (ratio) | "
          "server ms/refresh console vs pga | floor count / rows ms/s | console / floor_rows")
    for c in cells:
        by = {r["tool"]: r for r in c["results"]}
        pc, pa = by.get("pgconsole"), by.get("pg_activity 3.6")
        if pc is None or pa is None:
            continue
        fr = pc["floor_rows_ms_per_s"]
        print(f"{c['idle']} | {c['refresh']} | {pc['backend_cpu_ms_per_s']} vs {pa['backend_cpu_ms_per_s']} "
              f"({pc['backend_cpu_ms_per_s'] / max(pa['backend_cpu_ms_per_s'], 1e-9):.2f}x) | "
              f"{pc['cpu_pct']} vs {pa['cpu_pct']} ({pc['cpu_pct'] / max(pa['cpu_pct'], 1e-9):.2f}x) | "
              f"{pc['server_ms_per_refresh']} vs {pa['server_ms_per_refresh']} | "
              f"{pc['floor_count_ms_per_s']} / {fr} | {pc['backend_cpu_ms_per_s'] / max(fr, 1e-9):.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
