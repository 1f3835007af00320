#!/usr/bin/env python3
"""What one poll costs with every view forced, and what each view of pane 7 adds (issue 17).

Starts its own embedded server (PG 18) with a streaming standby and an unused physical
slot, pgbench tpcb-like at scale 10 with 8 clients rate-limited to --tps, then polls as a
role of its own:
- a round of the six views the console always had, forced (`poll(force=...)`);
- a round of all eleven, forced (what `snapshot` and `report` do, and the console while the
  Findings pane is shown);
- each pane-7 view alone (a Monitor holding only its collector), to price it.
Per round: wall time and this process's CPU time (client), server time from
pg_stat_statements (total_exec_time + total_plan_time of the role), queries. Medians of --rounds.

Usage: .venv/bin/python benchmarks/bench_forced_round.py [--rounds 30] [--tps 200] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import asyncpg  # noqa: E402

from pgconsole.cluster import LocalCluster, scram_verifier  # noqa: E402
from pgconsole.collectors.replication import replication_collectors  # noqa: E402
from pgconsole.conninfo import ConnParams  # noqa: E402
from pgconsole.monitor import VIEWS, Monitor, default_collectors  # noqa: E402
from pgconsole.replication_snapshots import VIEWS as PANE7  # noqa: E402
from pgconsole.standby import StandbyCluster  # noqa: E402

BASE = tuple(v for v in VIEWS if v not in PANE7)
ROLE = "bench_forced"


async def server_ms(admin: asyncpg.Connection) -> tuple[float, int]:
    row = await admin.fetchrow(
        "SELECT coalesce(sum(s.total_exec_time + s.total_plan_time), 0)::float8 AS ms, "
        "coalesce(sum(s.calls), 0)::bigint AS calls FROM pg_stat_statements s "
        "JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1", ROLE)
    return row["ms"], row["calls"]


async def measure(admin, make_monitor, force, rounds: int) -> dict:
    mon = make_monitor()
    try:
        await mon.poll(force=frozenset(force))          # first: connect, probe, first samples
        await mon.poll(force=frozenset(force))
        await admin.execute("SELECT pg_stat_statements_reset()")
        walls, cpus = [], []
        for _ in range(rounds):
            t0, c0 = time.perf_counter(), time.process_time()
            await mon.poll(force=frozenset(force))
            walls.append((time.perf_counter() - t0) * 1000)
            cpus.append((time.process_time() - c0) * 1000)
            await asyncio.sleep(0.2)
        ms, calls = await server_ms(admin)
        top = await admin.fetch(
            "SELECT left(regexp_replace(s.query, '\\s+', ' ', 'g'), 60) AS q, "
            "(s.total_exec_time + s.total_plan_time) / s.calls AS mean_ms FROM pg_stat_statements s "
            "JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1 ORDER BY s.total_exec_time DESC LIMIT 3", ROLE)
    finally:
        await mon.close()
    return {"wall_ms": round(statistics.median(walls), 2), "client_cpu_ms": round(statistics.median(cpus), 2),
            "server_ms": round(ms / rounds, 3), "queries": round(calls / rounds, 2),
            "costliest": [(r["q"], round(r["mean_ms"], 3)) for r in top]}


async def run(params: ConnParams, rounds: int) -> dict:
    admin = await asyncpg.connect(**params.with_database("postgres").asyncpg_kwargs())
    mon_params = ConnParams(host=params.host, port=params.port, user=ROLE, database=params.database)
    out = {}
    try:
        out["six views forced"] = await measure(admin, lambda: Monitor(mon_params, collectors=default_collectors()[:6]),
                                               BASE, rounds)
        out["all eleven forced"] = await measure(admin, lambda: Monitor(mon_params), VIEWS, rounds)
        for c in replication_collectors():
            name = c.name
            out[f"{name} alone"] = await measure(
                admin, lambda name=name: Monitor(mon_params, collectors=[x for x in replication_collectors()
                                                                         if x.name == name]), (name,), rounds)
            out[f"{name} alone"]["hidden_interval_s"] = c.hidden_interval_s
            out[f"{name} alone"]["min_interval_s"] = c.min_interval_s
    finally:
        await admin.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--tps", type=int, default=200)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="pgc-bench-forced-"))
    primary = LocalCluster(root / "primary")
    standby = StandbyCluster(root / "standby", primary)
    load = None
    try:
        st = primary.start(extra_settings={"fsync": "off", "synchronous_commit": "off"})
        admin = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
        password = secrets.token_urlsafe(12)
        setup = (f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{scram_verifier(password)}'", "CREATE DATABASE bench",
                 "SELECT pg_create_physical_replication_slot('bench_unused', true)")
        psql = [str(primary.bin("psql")), "-X", "-q", "-h", st.socket_dir, "-p", str(st.port), "-U", "postgres",
                "-d", "postgres"]
        subprocess.run(psql + [arg for stmt in setup for arg in ("-c", stmt)], check=True, capture_output=True)
        bench = admin.with_database("bench")
        env = {**os.environ, **bench.libpq_env()}
        pgbench = str(primary.bin("pgbench"))
        subprocess.run([pgbench, "-i", "-q", "-s", "10"], env=env, check=True, capture_output=True)
        standby.start(extra_settings={"fsync": "off", "hot_standby_feedback": "on", "cluster_name": "bench_standby"})
        standby.wait_streaming()
        load = subprocess.Popen([pgbench, "-n", "-c", "8", "-j", "2", "-R", str(args.tps), "-T", "3600"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        load_avg = os.getloadavg()
        result = asyncio.run(run(bench, args.rounds))
    finally:
        if load is not None:
            load.terminate()
        standby.destroy()
        primary.destroy()
    print(f"{started}, load average {load_avg[0]:.1f} {load_avg[1]:.1f} {load_avg[2]:.1f}; "
          f"pgbench scale 10 at {args.tps} tps, a streaming standby, an unused slot; medians of {args.rounds}")
    cols = ("wall_ms", "client_cpu_ms", "server_ms", "queries")
    print("round | " + " | ".join(cols))
    for name, r in result.items():
        print(f"{name} | " + " | ".join(str(r[c]) for c in cols))
    for name, r in result.items():
        print(f"  {name}: " + "; ".join(f"{q} {ms} ms" for q, ms in r["costliest"]))
    if args.json:
        args.json.write_text(json.dumps({"started": started, "load_avg": load_avg, "results": result}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
