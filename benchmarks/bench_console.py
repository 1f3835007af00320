#!/usr/bin/env python3
"""The live console against pg_activity 3.6 on the same load, in the same run (issue 3).

Starts its own embedded server (PG 18), puts a load on it and runs each tool for
--seconds at a 1 s refresh in a real terminal (tmux, 120x40), one after the other,
under the same ongoing load:
- pgbench (the embedded binary), tpcb-like, scale 10, 8 clients rate-limited to --tps;
- --idle idle sessions (200) held open;
- a lock chain: one session holds a row lock, three more queue behind it (a tree).

Measured per tool, over the measuring window (after a warm-up):
- client CPU seconds: utime + stime of the tool's process (/proc/<pid>/stat);
- peak RSS: VmHWM of the process at the end;
- server time: pg_stat_statements total_exec_time + total_plan_time and calls of the
  tool's own role (each tool logs in as its own superuser role, so nothing else is
  counted), reset at the start of the window;
- backend CPU: on-CPU time of the tool's server backends (/proc/<pid>/schedstat), the
  whole server-side cost (parse, plan, execute, send);
- refreshes: polls the tool made (pgconsole: calls of its overview query; pg_activity:
  calls of its activity query, its once-per-refresh statement).

pg_activity runs from its own venv (default /tmp/pga-venv/bin/pg_activity; create it
with `python3 -m venv /tmp/pga-venv && /tmp/pga-venv/bin/pip install "pg_activity[psycopg]==3.6.*"`).
`--base PATH` adds another pgconsole build (e.g. main's, in a venv of its own) as a third tool,
to measure what a change costs; `--no-pga` leaves pg_activity out; `--keys 7` presses keys
in this build's console once it runs (7: the Replication & WAL pane on screen).

Usage: .venv/bin/python benchmarks/bench_console.py [--seconds 60] [--rounds N] [--pga PATH] [--no-pga]
       [--base PATH] [--keys KEYS] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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

TICK = os.sysconf("SC_CLK_TCK")
VENV_BIN = Path(sys.executable).parent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK    # utime, stime


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


# -- load: idle sessions and a lock chain, on their own loop in a thread -----------------------
class Load:
    def __init__(self, params: ConnParams, idle: int):
        self.params, self.idle = params, idle
        self.loop = asyncio.new_event_loop()
        self.conns: list[asyncpg.Connection] = []
        self.waits: list = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(120)

    async def _connect(self, app: str) -> asyncpg.Connection:
        c = await asyncpg.connect(**self.params.asyncpg_kwargs(), server_settings={"application_name": app})
        self.conns.append(c)
        return c

    async def _start(self) -> None:
        setup = await self._connect("bench-setup")
        await setup.execute("CREATE TABLE IF NOT EXISTS bench_lock (id int PRIMARY KEY, v int);"
                            "INSERT INTO bench_lock VALUES (1, 0) ON CONFLICT DO NOTHING")
        for i in range(0, self.idle, 20):
            await asyncio.gather(*(self._connect("bench-idle") for _ in range(min(20, self.idle - i))))
        holder = await self._connect("bench-holder")
        await holder.execute("BEGIN; SELECT * FROM bench_lock WHERE id = 1 FOR UPDATE")
        for _ in range(3):
            w = await self._connect("bench-waiter")
            t = asyncio.ensure_future(w.execute("UPDATE bench_lock SET v = v + 1 WHERE id = 1"))
            t.add_done_callback(lambda f: f.cancelled() or f.exception())   # ended by stop(): expected
            self.waits.append(t)

    def stop(self) -> None:
        async def close():
            for c in self.conns:
                c.terminate()
        asyncio.run_coroutine_threadsafe(close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


# -- running a tool in tmux ---------------------------------------------------------------------
TMUX_SOCKET = os.environ.get("PGCONSOLE_BENCH_TMUX")   # a tmux server of one's own (-L NAME) on a shared machine


def tmux(*args: str) -> str:
    socket = ["-L", TMUX_SOCKET] if TMUX_SOCKET else []
    return subprocess.run(["tmux", *socket, *args], capture_output=True, text=True, check=True).stdout


def run_tool(name: str, argv: list[str], env: dict[str, str], admin, role: str, seconds: float,
             warmup: float, refresh_query: str, keys: str = "") -> dict:
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
        cpu0, on0, t0 = cpu_seconds(pid), oncpu_seconds(backends), time.monotonic()
        time.sleep(seconds)
        cpu1, on1, t1 = cpu_seconds(pid), oncpu_seconds(backends), time.monotonic()
        rss = peak_rss_mb(pid)
        row = admin("SELECT coalesce(sum(s.total_exec_time + s.total_plan_time), 0)::float8 AS ms, "
                    "coalesce(sum(s.calls), 0)::bigint AS calls, "
                    "coalesce(max(s.calls) FILTER (WHERE s.query ILIKE $2), 0)::bigint AS refreshes "
                    "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1",
                    role, refresh_query, fetch="row")
        top = admin("SELECT coalesce(json_agg(t), '[]')::text FROM (SELECT left(regexp_replace(s.query, '\\s+', ' ', 'g'), 70) "
                    "AS query, s.calls, round((s.total_exec_time + s.total_plan_time)::numeric, 2) AS ms "
                    "FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1 "
                    "ORDER BY s.total_exec_time + s.total_plan_time DESC LIMIT 12) t", role)
        screen = tmux("capture-pane", "-p", "-t", session)
    finally:
        subprocess.run(["tmux", *(["-L", TMUX_SOCKET] if TMUX_SOCKET else []), "kill-session", "-t", session],
                       capture_output=True)
    wall = t1 - t0
    refreshes = row["refreshes"] or round(wall)
    return {
        "tool": name, "seconds": round(wall, 1), "startup_cpu_s": round(startup_cpu, 2),
        "cpu_s": round(cpu1 - cpu0, 2), "cpu_pct": round(100 * (cpu1 - cpu0) / wall, 1),
        "peak_rss_mb": round(rss, 1), "refreshes": refreshes,
        "server_ms": round(row["ms"], 1), "server_ms_per_refresh": round(row["ms"] / max(refreshes, 1), 2),
        "queries_per_refresh": round(row["calls"] / max(refreshes, 1), 1),
        "backend_cpu_ms_per_refresh": round((on1 - on0) * 1000 / max(refreshes, 1), 2),
        "screen_head": screen.splitlines()[:6],
        "top_queries": json.loads(top),   # where the server time went (the tool's role only)
    }


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
    ap.add_argument("--idle", type=int, default=200)
    ap.add_argument("--tps", type=int, default=200, help="pgbench rate limit (-R)")
    ap.add_argument("--pga", default="/tmp/pga-venv/bin/pg_activity")
    ap.add_argument("--no-pga", action="store_true", help="leave pg_activity out")
    ap.add_argument("--base", default=None, metavar="PATH",
                    help="another pgconsole executable to measure beside this one (e.g. main's build)")
    ap.add_argument("--keys", default="", help="keys pressed in this build's console once it runs")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat both tools N times, the order flipping each round (medians reported)")
    args = ap.parse_args()
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
    st = cluster.start(extra_settings={"max_connections": "400", "fsync": "off", "synchronous_commit": "off"})
    admin_p = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
    loop = asyncio.new_event_loop()
    aconn = loop.run_until_complete(asyncpg.connect(**admin_p.asyncpg_kwargs()))

    def admin(sql: str, *a, fetch: str = "val"):
        f = {"val": aconn.fetchval, "row": aconn.fetchrow}[fetch]
        return loop.run_until_complete(f(sql, *a))

    password = secrets.token_urlsafe(12)
    for role in ("bench_console", "bench_pga", "bench_base"):
        admin(f"CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{scram_verifier(password)}'")
    admin("CREATE DATABASE bench")
    bench = admin_p.with_database("bench")
    pgbench = str(cluster.bin("pgbench"))
    env = {**os.environ, **bench.libpq_env()}
    subprocess.run([pgbench, "-i", "-q", "-s", "10"], env=env, check=True, capture_output=True)
    load_s = args.rounds * 3 * (args.seconds + args.warmup + 8) + 60
    bench_proc = subprocess.Popen([pgbench, "-n", "-c", "8", "-j", "2", "-R", str(args.tps), "-T", str(int(load_s))],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load = Load(bench, args.idle)
    load.start()
    tcp = {"PGHOST": "127.0.0.1", "PGPORT": str(st.port), "PGDATABASE": "bench", "PGPASSWORD": password}
    tools = {
        "pgconsole": ([str(VENV_BIN / "pgconsole"), "--refresh", "1"], {**tcp, "PGUSER": "bench_console"},
                      "bench_console", "%pg_postmaster_start_time%", args.keys),
    }
    if args.base:
        tools["pgconsole (base)"] = ([args.base, "--refresh", "1"], {**tcp, "PGUSER": "bench_base"},
                                     "bench_base", "%pg_postmaster_start_time%", "")
    if not args.no_pga:
        tools["pg_activity 3.6"] = ([args.pga, "--refresh", "1"], {**tcp, "PGUSER": "bench_pga"},
                                    "bench_pga", "%pg_encoding_to_char(b.encoding) AS encoding%", "")
    rounds: list[list[dict]] = []
    try:
        time.sleep(3)
        for i in range(args.rounds):
            order = list(tools) if i % 2 == 0 else list(reversed(tools))   # ABBA: neither always first
            done = {}
            for name in order:
                argv, env_t, role, refresh_query, keys = tools[name]
                done[name] = run_tool(name, argv, env_t, admin, role, args.seconds, args.warmup, refresh_query, keys)
            rounds.append([done[name] for name in tools])
    finally:
        bench_proc.terminate()
        load.stop()
        loop.run_until_complete(aconn.close())
        cluster.destroy()

    results = [_median_result(rs) for rs in zip(*rounds)]
    out = {"machine": machine(), "server": "embedded PostgreSQL 18 (" + Path(pgbench).parent.parent.name + ")",
           "load": f"pgbench tpcb-like scale 10, 8 clients at {args.tps} tps; {args.idle} idle sessions; "
                   f"a lock chain of 4", "refresh_s": 1, "results": results,
           "rounds": [[{k: v for k, v in r.items() if k not in ("screen_head", "top_queries")} for r in rs]
                      for rs in rounds]}
    cols = ("tool", "cpu_s", "cpu_pct", "peak_rss_mb", "refreshes", "server_ms_per_refresh",
            "queries_per_refresh", "backend_cpu_ms_per_refresh", "startup_cpu_s")
    print(out["machine"])
    print(out["load"])
    print(" | ".join(cols))
    for r in results:
        print(" | ".join(str(r[c]) for c in cols))
    if len(rounds) > 1:
        print(f"(medians of {len(rounds)} rounds; client CPU s by round: "
              + "; ".join(" vs ".join(str(r["cpu_s"]) for r in rs) for rs in rounds) + ")")
    for r in results:
        print(f"\n{r['tool']} screen (first lines):")
        print("\n".join(r["screen_head"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
