#!/usr/bin/env python3
"""The console on a big catalog: 10,000 tables and 20,000 indexes (issue 15).

Starts its own embedded server (PG 18), builds the catalog with one DO block
(benchmarks/big_catalog.py: unlogged tables of two columns, an index on the first and
one on both, so every table has a prefix-duplicate pair), puts 1,000 rows in the first
50 and keeps a light read load on the first 500 (one session, a random table every
50 ms: the cache counters move, as on a live server). Then:

1. the live console (this build) in a real terminal (tmux, 120x40) at the default
   refresh (1 s), one pane at a time (keys 1..7), each for --seconds after a warm-up:
   backend CPU of its sessions (/proc/<pid>/schedstat, the whole server-side cost),
   client CPU (/proc/<pid>/stat) and peak RSS (VmHWM) -- bench_console.run_tool;
2. pg_activity 3.6 on the same server, same refresh (its one view: sessions), for the
   connections comparison (it has no per-table panes);
3. `pgconsole report` at default settings: wall time, and whether any section or
   check was unavailable;
4. the queries alone, 3 runs each on one session (the last two averaged): the
   catalog queries before and after this issue's changes where they changed
   (--old-ref, default main), with a 60 s statement_timeout.

Reads that pace themselves (collectors/cadence.py) may not fall inside a short window:
the per-pane figures are what the window measured; each paced read is bounded by its
share by construction (cost / interval <= share), printed beside them.

Usage: .venv/bin/python benchmarks/bench_big_catalog.py [--tables 10000] [--seconds 40]
       [--panes 1234567] [--pga PATH | --no-pga] [--old-ref REF] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
from typing import Any
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import asyncpg  # noqa: E402

import bench_console  # noqa: E402
import big_catalog  # noqa: E402
from pgconsole import sqlfiles  # noqa: E402
from pgconsole.cluster import LocalCluster, scram_verifier  # noqa: E402
from pgconsole.conninfo import ConnParams  # noqa: E402

PANES = {"1": "connections", "2": "locks", "3": "cache", "4": "statements", "5": "bloat",
         "6": "findings", "7": "replication"}
CHANGED = ("duplicate_indexes", "table_usage", "index_usage", "database_sizes",
           "cache_tables+cache_indexes", "cache_counters")


class ReadLoad:
    """One session reading a random one of the first `hot` tables every 50 ms (own thread)."""

    def __init__(self, params: ConnParams, hot: int) -> None:
        self.params, self.hot = params, hot
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        conn = await asyncpg.connect(**self.params.asyncpg_kwargs(),
                                     server_settings={"application_name": "bench-read"})
        try:
            while not self.stop.is_set():
                await conn.fetchval(f"SELECT count(*) FROM {big_catalog.SCHEMA}.t{random.randrange(self.hot)}")
                await asyncio.sleep(0.05)
        finally:
            await conn.close()


def old_sql(ref: str, name: str, version: int) -> str | None:
    """The query file `name` as `ref` had it (the variant for `version`), or None."""
    try:
        files = subprocess.run(["git", "-C", str(HERE.parent), "ls-tree", "--name-only", ref,
                                f"pgconsole/sql/{name}/"], capture_output=True, text=True, check=True).stdout.split()
    except subprocess.CalledProcessError:
        return None
    picked = [f for f in sorted(files) if int(Path(f).stem) <= version]
    if not picked:
        return None
    return subprocess.run(["git", "-C", str(HERE.parent), "show", f"{ref}:{picked[-1]}"],
                          capture_output=True, text=True, check=True).stdout


async def time_queries(params: ConnParams, old_ref: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    out: list[dict[str, Any]] = []
    try:
        version = int(await conn.fetchval("SHOW server_version_num"))
        await conn.execute("SET max_parallel_workers_per_gather = 0; SET statement_timeout = '60s'")

        async def run(sqls: list[str]) -> tuple[float | None, int]:
            times, rows = [], 0
            for _ in range(3):
                t0 = time.perf_counter()
                try:
                    rows = sum([len(await conn.fetch(s, *((500,) if "$1" in s else ()))) for s in sqls])
                except asyncpg.QueryCanceledError:
                    return None, 0
                times.append(time.perf_counter() - t0)
            return sum(times[1:]) / 2 * 1000, rows

        for name in CHANGED:
            parts = name.split("+")
            before = [old_sql(old_ref, p, version) for p in parts]
            here = Path(sqlfiles.__file__).parent / "sql"
            after = [sqlfiles.load(p, version) for p in parts] if all((here / p).is_dir() for p in parts) else []
            row: dict[str, Any] = {"query": name}
            if all(before):
                row["before_ms"], row["before_rows"] = await run([b for b in before if b])
            if after:
                row["after_ms"], row["after_rows"] = await run(after)
            out.append(row)
    finally:
        await conn.close()
    return out


def run_report(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    t0 = time.monotonic()
    p = subprocess.run([*argv, "report", "--format", "json"], env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - t0
    unavailable: list[str] = []
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"seconds": round(wall, 1), "exit": p.returncode, "error": p.stderr[-500:]}
    facts: dict[str, Any] = {}
    for sec in doc.get("sections", []):
        unavailable += [f"{sec.get('id')}: {u}" for u in sec.get("unavailable", [])]
        if sec.get("id") == "capacity":
            facts = sec.get("facts", {})
        if sec.get("id") == "findings":
            for rec in sec.get("tables", {}).get("checks", {}).get("rows", []):
                if not rec.get("ran"):
                    unavailable.append(f"check {rec.get('check')}: {rec.get('note')}")
    return {"seconds": round(wall, 1), "exit": p.returncode, "unavailable": unavailable, "capacity": facts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--warmup", type=float, default=12.0)
    ap.add_argument("--panes", default="1234567", help="pane keys to measure, in order")
    ap.add_argument("--pga", default="/tmp/pga-venv/bin/pg_activity",
                    help="pg_activity from its own venv: python3 -m venv /tmp/pga-venv && "
                         "/tmp/pga-venv/bin/pip install 'pg_activity[psycopg]==3.6.2'")
    ap.add_argument("--no-pga", action="store_true")
    ap.add_argument("--old-ref", default="main", help="git ref whose query files are the 'before'")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    bench_console.TMUX_SOCKET = os.environ.get("PGCONSOLE_BENCH_TMUX") or "h15b-bench"

    root = Path(tempfile.mkdtemp(prefix="pgc-bench-big-"))
    cluster = LocalCluster(root)
    st = cluster.start(extra_settings={"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                                       "max_locks_per_transaction": "256"})
    admin_p = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
    loop = asyncio.new_event_loop()
    aconn = loop.run_until_complete(asyncpg.connect(**admin_p.asyncpg_kwargs()))

    def admin(sql: str, *a: Any, fetch: str = "val") -> Any:
        f = {"val": aconn.fetchval, "row": aconn.fetchrow}[fetch]
        return loop.run_until_complete(f(sql, *a))

    out: dict[str, Any] = {"machine": bench_console.machine(), "tables": args.tables}
    load: ReadLoad | None = None
    try:
        password = secrets.token_urlsafe(12)
        for role in ("bench_console", "bench_pga"):
            admin(f"CREATE ROLE {role} SUPERUSER LOGIN PASSWORD '{scram_verifier(password)}'")
        admin("CREATE DATABASE big")
        big = admin_p.with_database("big")

        async def build() -> float:
            c = await asyncpg.connect(**big.asyncpg_kwargs())
            try:
                await c.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                t0 = time.perf_counter()
                await big_catalog.build(c, args.tables)
                return time.perf_counter() - t0
            finally:
                await c.close()
        out["build_s"] = round(loop.run_until_complete(build()), 1)
        out["server"] = admin("SELECT version()")
        print(f"built {args.tables} tables, {2 * args.tables} indexes in {out['build_s']} s", flush=True)
        out["queries"] = loop.run_until_complete(time_queries(big, args.old_ref))
        for q in out["queries"]:
            print(q, flush=True)
        load = ReadLoad(big, min(500, args.tables))
        load.thread.start()
        tcp = {"PGHOST": "127.0.0.1", "PGPORT": str(st.port), "PGDATABASE": "big", "PGPASSWORD": password}
        console = [str(bench_console.VENV_BIN / "pgconsole")]
        panes = []
        for key in args.panes:
            r = bench_console.run_tool(f"pgconsole pane {key} ({PANES[key]})", [*console, "--refresh", "1"],
                                       {**tcp, "PGUSER": "bench_console"}, admin, "bench_console",
                                       args.seconds, args.warmup, "%pg_postmaster_start_time%", key,
                                       NO_FLOOR, 1.0, {})
            r["pane"] = PANES[key]
            r["backend_cpu_pct"] = round(r["backend_cpu_ms_per_refresh"] * r["refreshes"] / 10 / r["seconds"], 2)
            panes.append(r)
            print({k: r[k] for k in ("tool", "cpu_pct", "peak_rss_mb", "refreshes", "backend_cpu_pct",
                                     "server_ms_per_refresh")}, flush=True)
        out["panes"] = panes
        if not args.no_pga and Path(args.pga).exists():
            r = bench_console.run_tool("pg_activity 3.6", [args.pga, "--refresh", "1"],
                                       {**tcp, "PGUSER": "bench_pga"}, admin, "bench_pga", args.seconds,
                                       args.warmup, "%pg_encoding_to_char(b.encoding) AS encoding%", "",
                                       NO_FLOOR, 1.0, {})
            r["backend_cpu_pct"] = round(r["backend_cpu_ms_per_refresh"] * r["refreshes"] / 10 / r["seconds"], 2)
            out["pg_activity"] = r
            print({k: r[k] for k in ("tool", "cpu_pct", "peak_rss_mb", "refreshes", "backend_cpu_pct")}, flush=True)
        out["report"] = run_report(console, {**os.environ, **tcp, "PGUSER": "bench_console"})
        print("report:", out["report"], flush=True)
    finally:
        if load is not None:
            load.stop.set()
            load.thread.join(5)
        loop.run_until_complete(aconn.close())
        cluster.destroy()
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    return 0


class _NoFloor:
    """bench_console's floor readers (bare pg_stat_activity reads beside each tool) are a
    measure of many sessions; here the catalog is the size that matters: none."""
    floor_pids: dict[str, int] = {}

    def floor_start(self, refresh: float) -> None:
        pass

    def floor_stop(self) -> None:
        pass


NO_FLOOR: Any = _NoFloor()


if __name__ == "__main__":
    raise SystemExit(main())
