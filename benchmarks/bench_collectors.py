#!/usr/bin/env python3
"""What one monitoring round costs at scale (issue 2): per collector, server and client.

Starts its own server (embedded PG 18; --pgbin for another bin directory; --dsn for an
existing server as a superuser), builds a database of 1,000 tables, opens 300 client
sessions in a child process, fills pg_stat_statements with a few hundred statements,
then drives pgconsole.monitor.Monitor with every view forced each round.

Method
- server ms: deltas of pg_stat_statements total_exec_time + total_plan_time (top-level
  entries) of the monitoring role in the bench database, read by a separate observer
  session (its own tracking off) before and after each round, outside the timed part.
  A calibration pass runs each query file once and learns its queryid, so each
  delta is attributed to its collector. Parse/bind and the sending of rows are not in it.
- backend CPU ms: the monitoring backend's on-CPU time from /proc/<pid>/schedstat
  (local servers only): what the server spent for the console, parse to send, except
  parallel workers' time. Unlike server ms it does not grow when the CPUs are contended.
- client wall ms / client CPU ms: perf_counter and process_time() around Monitor.poll()
  and around each collector's collect(); process time excludes time waiting on the
  socket, and the client crowd runs in another process, so it is the console's own CPU.
- rows: pg_stat_statements `rows` deltas (rows the console's queries returned).
Then each collector alone and each query file alone, --iterations times.

Usage: .venv/bin/python benchmarks/bench_collectors.py [--pgbin DIR | --dsn URI] [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import asyncpg  # noqa: E402

import collectors_workload as wl  # noqa: E402
from collectors_report import Rep, Sample, report  # noqa: E402
from pgconsole import sqlfiles  # noqa: E402
from pgconsole.cluster import LocalCluster, scram_verifier  # noqa: E402
from pgconsole.collectors.activity import QUERY_TEXT_LIMIT  # noqa: E402
from pgconsole.conninfo import ConnParams, resolve  # noqa: E402
from pgconsole.errors import PgConsoleError  # noqa: E402
from pgconsole.monitor import VIEWS, Monitor  # noqa: E402
from pgconsole.quoting import quote_ident  # noqa: E402

ALL = frozenset(VIEWS)
QUERIES = {  # query file -> (collector, arguments the collector passes)
    "overview": ("overview", ()), "database_sizes": ("overview", ()),
    "connections": ("connections", (QUERY_TEXT_LIMIT, True, [])), "locks": ("locks", ()),
    "cache_tables": ("cache", ()), "cache_indexes": ("cache", ()),
    "statements": ("statements", ()), "statements_info": ("statements", ()),
    "statement_texts": ("statements", None),  # None: a list of real queryids
    "table_bloat": ("bloat", ()), "index_bloat": ("bloat", ()),
}
CLUSTER_SETTINGS = {
    # durability buys a throwaway benchmark server nothing; reads are what is measured
    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
    "shared_buffers": "256MB", "log_min_messages": "warning",
    "pg_stat_statements.track_planning": "on",
}


def loadavg() -> tuple[float, float, float]:
    try:
        a, b, c = open("/proc/loadavg").read().split()[:3]
        return float(a), float(b), float(c)
    except OSError:
        return (math.nan,) * 3


class BackendCpu:
    """On-CPU nanoseconds of a local backend from /proc/<pid>/schedstat (NaN when remote)."""

    def __init__(self, pid: int, local: bool):
        self.path = f"/proc/{pid}/schedstat"
        try:
            ok = local and b"postgres" in open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            ok = False
        self.ok = ok

    def __call__(self) -> float:
        if not self.ok:
            return math.nan
        with open(self.path) as f:
            return int(f.read().split()[0]) / 1e6


class Pgss:
    """One role's pg_stat_statements counters in one database, read by another session."""

    def __init__(self, conn, schema: str, version: str, userid: int, dbid: int):
        v = sqlfiles.parse_version(version)
        ms = "total_exec_time + total_plan_time" if v >= (1, 8) else "total_time"
        top = "AND toplevel" if v >= (1, 9) else ""
        self.conn, self.userid, self.dbid = conn, userid, dbid
        self.schema = quote_ident(schema)
        self.sql = (f"SELECT queryid, calls, {ms} AS ms, rows FROM {quote_ident(schema)}"
                    f".pg_stat_statements(false) WHERE userid = $1 AND dbid = $2 {top}")

    async def snap(self) -> dict[int, tuple]:
        return {r[0]: (r[1], r[2], r[3]) for r in await self.conn.fetch(self.sql, self.userid, self.dbid)}


async def _into(box: list, aw):
    box.append(await aw)


def delta(a: dict, b: dict) -> dict[int, tuple[int, float, int]]:
    out = {}
    for q, (calls, ms, rows) in b.items():
        c0, m0, r0 = a.get(q, (0, 0.0, 0))
        if calls != c0:
            out[q] = (calls - c0, ms - m0, rows - r0)
    return out


class Bench:
    def __init__(self, args, monitor: ConnParams, observer, pgss: Pgss, deadline: float):
        self.args, self.monitor, self.observer, self.pgss = args, monitor, observer, pgss
        self.deadline = deadline
        self.local = args.dsn is None or (monitor.host or "").startswith("/") or \
            monitor.host in ("localhost", "127.0.0.1", "::1")

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    async def rep(self, n: int) -> Rep:
        mon = Monitor(self.monitor)
        caps = await mon.open()
        bcpu = BackendCpu(caps.own_pid, self.local)
        problems = [f"{c.name}: {c.unavailable.reason}" for c in mon.collectors if c.unavailable]
        load = [loadavg()]
        try:
            first: list = []
            cold = await self._timed(lambda: _into(first, mon.poll(force=ALL)), bcpu)
            problems += [f"first poll: {e}" for e in first[0].errors]
            qmap = await self._calibrate(mon.conn, caps, problems)
            sink: dict[str, tuple] = {}
            originals = self._instrument(mon, sink, bcpu)
            rounds = []
            for r in range(1, self.args.rounds + 1):
                if self.out_of_time():
                    problems.append(f"rounds cut at {r - 1} by --budget")
                    break
                sink.clear()
                s0 = await self.pgss.snap()
                b0, t0, c0 = bcpu(), time.perf_counter(), time.process_time()
                frame = await mon.poll(force=ALL)
                c1, t1, b1 = time.process_time(), time.perf_counter(), bcpu()
                d = delta(s0, await self.pgss.snap())
                per = {name: Sample(bcpu=s[2], wall=s[0], cpu=s[1]) for name, s in sink.items()}
                for q, (_, ms, rows) in d.items():
                    s = per.setdefault(QUERIES[qmap[q]][0] if q in qmap else "other", Sample())
                    s.srv += ms
                    s.rows += rows
                per["ROUND"] = Sample(sum(x[1] for x in d.values()), b1 - b0, (t1 - t0) * 1e3,
                                      (c1 - c0) * 1e3, sum(x[2] for x in d.values()))
                rounds.append(per)
                problems += [f"round {r}: {e}" for e in frame.errors]
                load.append(loadavg())
                self._print_round(n, r, per)
            for c in mon.collectors:  # back to the collectors' own methods
                c.collect = originals[c.name]
            alone = await self._alone(mon, bcpu)
            per_query = await self._per_query(mon.conn, caps, bcpu, problems)
            load.append(loadavg())
            problems += [f"{c.name}: {c.unavailable.reason}" for c in mon.collectors if c.unavailable]
            return Rep(rounds, alone, per_query, cold, load, problems)
        finally:
            await mon.close()

    async def _timed(self, fn, bcpu) -> Sample:
        s0 = await self.pgss.snap()
        b0, t0, c0 = bcpu(), time.perf_counter(), time.process_time()
        await fn()
        c1, t1, b1 = time.process_time(), time.perf_counter(), bcpu()
        d = delta(s0, await self.pgss.snap())
        return Sample(sum(x[1] for x in d.values()), b1 - b0, (t1 - t0) * 1e3, (c1 - c0) * 1e3,
                      sum(x[2] for x in d.values()))

    async def _args(self, name: str) -> tuple:
        args = QUERIES[name][1]
        if args is None:  # statement_texts: ask for as many texts as a first poll does
            ids = await self.observer.fetch(f"SELECT DISTINCT queryid FROM {self.pgss.schema}"
                                            ".pg_stat_statements(false) WHERE queryid IS NOT NULL LIMIT 200")
            args = ([r[0] for r in ids],)
        return args

    def _queries(self, caps, compare: bool = False) -> list[tuple[str, str, str]]:
        """(label, query name, SQL) of each query file, then the --compare variants."""
        out = []
        for name in QUERIES:
            try:
                out.append((name, name, caps.sql(name)))
            except PgConsoleError:  # e.g. statements_info before pg_stat_statements 1.9
                pass
        if compare:
            out += [(label, name, caps.render(sql)) for label, (name, sql) in self.args.compare.items()]
        return out

    async def _calibrate(self, conn, caps, problems: list[str]) -> dict[int, str]:
        """Learn each query file's queryid by running it alone once."""
        qmap = {}
        for _, name, sql in self._queries(caps):
            s0 = await self.pgss.snap()
            try:
                await conn.fetch(sql, *await self._args(name))
            except asyncpg.PostgresError as exc:  # cancelled: pg_stat_statements never sees it
                problems.append(f"calibrating {name}: {type(exc).__name__}: {exc}")
            for q in delta(s0, await self.pgss.snap()):
                qmap[q] = name
        return qmap

    def _instrument(self, mon: Monitor, sink: dict, bcpu) -> dict:
        originals = {}
        for c in mon.collectors:
            inner = originals[c.name] = c.collect

            async def timed(conn, caps, context, inner=inner, name=c.name):
                b0, t0, c0 = bcpu(), time.perf_counter(), time.process_time()
                try:
                    return await inner(conn, caps, context)
                finally:
                    sink[name] = ((time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3,
                                  bcpu() - b0)
            c.collect = timed
        return originals

    async def _alone(self, mon: Monitor, bcpu) -> dict[str, list[Sample]]:
        out: dict[str, list[Sample]] = {}
        context: dict = {}
        for c in mon.collectors:
            if c.unavailable is not None:
                continue
            for _ in range(self.args.iterations):
                if self.out_of_time():
                    break
                out.setdefault(c.name, []).append(
                    await self._timed(lambda c=c: c.collect(mon.conn, mon.caps, context), bcpu))
        return out

    async def _per_query(self, conn, caps, bcpu, problems: list[str]) -> dict[str, list[Sample]]:
        out: dict[str, list[Sample]] = {}
        for label, name, sql in self._queries(caps, compare=True):
            args = await self._args(name)
            for _ in range(self.args.iterations):
                if self.out_of_time():
                    break
                try:
                    out.setdefault(label, []).append(
                        await self._timed(lambda: conn.fetch(sql, *args), bcpu))
                except asyncpg.PostgresError as exc:  # e.g. statement_timeout: say so, go on
                    problems.append(f"{label} alone: {type(exc).__name__}: {exc}")
                    break
        return out

    def _print_round(self, n: int, r: int, per: dict[str, Sample]) -> None:
        t = per["ROUND"]
        cols = " ".join(f"{k[:4]} {v.srv:6.1f}/{v.cpu:5.1f}" for k, v in per.items() if k != "ROUND")
        print(f"rep {n} round {r:2d}: srv {t.srv:6.1f} bcpu {t.bcpu:6.1f} wall {t.wall:6.1f} "
              f"cpu {t.cpu:5.1f} ms | {cols}", flush=True)
        if self.args.verbose:
            for k, v in per.items():
                print(f"    {k:12} srv {v.srv:7.2f} bcpu {v.bcpu:7.2f} wall {v.wall:7.2f} "
                      f"cpu {v.cpu:6.2f} ms rows {v.rows:5.0f}")


# --- setup --------------------------------------------------------------------------

async def connect(params: ConnParams, settings: dict | None = None) -> asyncpg.Connection:
    return await asyncpg.connect(**params.asyncpg_kwargs(), server_settings=settings or None)


async def main_async(args, base: ConnParams) -> int:
    started = time.monotonic()
    tag = secrets.token_hex(3)
    dbname, app_role, mon_role = f"pgcb_{tag}", f"pgcb_app_{tag}", f"pgcb_mon_{tag}"
    password = secrets.token_urlsafe(16)
    admin = await connect(base, {"pg_stat_statements.track_utility": "off"})
    proc = stop = None
    try:
        if not await admin.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
            raise PgConsoleError("the benchmark needs a superuser connection (it creates a database and roles)")
        verifier = scram_verifier(password)
        await admin.execute(
            f"CREATE ROLE {app_role} LOGIN PASSWORD '{verifier}';"
            f"CREATE ROLE {mon_role} LOGIN PASSWORD '{verifier}'; GRANT pg_monitor TO {mon_role};")
        await admin.execute(f"CREATE DATABASE {dbname}")
        db = base.with_database(dbname)
        sup = await connect(db, {"pg_stat_statements.track": "none", "application_name": "bench-observer"})
        try:
            await sup.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            await sup.execute("SELECT pg_stat_statements_reset()")
        except asyncpg.PostgresError as exc:
            raise PgConsoleError(f"pg_stat_statements is needed (preloaded) to measure server time: {exc}")
        try:
            await sup.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        except asyncpg.PostgresError:
            pass
        version = await sup.fetchval("SHOW server_version")
        print(f"server {version}; setting up {args.tables} tables in {dbname}", flush=True)
        tables = wl.plan_tables(args.tables)
        await wl.build(lambda s: connect(db, s), tables, app_role, mon_role)
        await sup.execute("SELECT pg_stat_statements_reset()")
        app = replace(db, user=app_role, password=password)
        appc = await connect(app, {"application_name": "bench-statements"})
        n = await wl.make_statements(appc, tables, args.statements)
        await appc.close()
        ctx = multiprocessing.get_context("spawn")
        ready, stop, errors = ctx.Event(), ctx.Event(), ctx.Queue()
        crowd = wl.Crowd(clients=args.clients)
        proc = ctx.Process(target=wl.crowd_main, daemon=True,
                           args=(app.asyncpg_kwargs(), crowd, [t.qname for t in tables], ready, stop, errors))
        proc.start()
        if not await asyncio.get_running_loop().run_in_executor(None, ready.wait, 120) or not errors.empty():
            raise PgConsoleError(f"client sessions did not start: {errors.get() if not errors.empty() else 'timeout'}")
        states = await sup.fetch("SELECT coalesce(state, backend_type) AS s, count(*) FROM pg_stat_activity "
                                 "GROUP BY 1 ORDER BY 2 DESC")
        pgss_n = await sup.fetchval("SELECT count(*) FROM pg_stat_statements(false)")
        print(f"  {n} distinct statements run; {pgss_n} pg_stat_statements entries; sessions: "
              + ", ".join(f"{r[0]} {r[1]}" for r in states), flush=True)
        print(f"  setup took {time.monotonic() - started:.0f} s; loadavg {' '.join(map(str, loadavg()))}",
              flush=True)
        ext = await sup.fetchrow("SELECT n.nspname, e.extversion FROM pg_extension e JOIN pg_namespace n "
                                 "ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'")
        userid = await sup.fetchval("SELECT oid FROM pg_roles WHERE rolname = $1", mon_role)
        dbid = await sup.fetchval("SELECT oid FROM pg_database WHERE datname = $1", dbname)
        bench = Bench(args, replace(db, user=mon_role, password=password), sup,
                      Pgss(sup, ext[0], ext[1], userid, dbid), started + args.budget)
        reps = []
        for i in range(1, args.reps + 1):
            if bench.out_of_time():
                print(f"rep {i} skipped: --budget reached")
                break
            reps.append(await bench.rep(i))
        info = {"version": version, "tables": args.tables, "clients": args.clients, "pgss": pgss_n}
        if reps:
            report(reps, info, args.markdown)
        await sup.close()
        print(f"total run time {time.monotonic() - started:.0f} s")
        return 0
    finally:
        if stop is not None:
            stop.set()
        if proc is not None:
            proc.join(20)
            if proc.is_alive():
                proc.terminate()
        if args.dsn:  # an existing server: leave nothing behind
            await admin.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            await admin.execute(f"DROP ROLE IF EXISTS {app_role}; DROP ROLE IF EXISTS {mon_role}")
        await admin.close()


def _compare_arg(text: str) -> tuple[str, tuple[str, str]]:
    name, _, path = text.partition("=")
    if name not in QUERIES or not path:
        raise PgConsoleError(f"--compare wants NAME=FILE with NAME one of {', '.join(QUERIES)}: {text!r}")
    try:
        return f"{name} [{Path(path).stem}]", (name, Path(path).read_text())
    except OSError as exc:
        raise PgConsoleError(f"--compare: cannot read {path}: {exc.strerror}") from None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pgbin", help="PostgreSQL bin directory for the bench server (default: embedded PG 18)")
    p.add_argument("--dsn", help="use this existing server (a superuser URI) instead of starting one")
    p.add_argument("--tables", type=int, default=1000)
    p.add_argument("--clients", type=int, default=300)
    p.add_argument("--statements", type=int, default=400, help="distinct statements to plant")
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--iterations", type=int, default=10, help="runs of each collector / query alone")
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--budget", type=float, default=270, help="seconds; measuring stops past this")
    p.add_argument("--markdown", help="also write the best rep's tables to this file")
    p.add_argument("--compare", action="append", default=[], metavar="NAME=FILE",
                   help="also time FILE's SQL with query NAME's arguments (e.g. an older variant)")
    p.add_argument("-v", "--verbose", action="store_true", help="every collector on every round")
    args = p.parse_args()
    root = cluster = None
    try:
        args.compare = dict(_compare_arg(c) for c in args.compare)
        if args.dsn:
            base = resolve(args.dsn)
        else:
            root = Path(tempfile.mkdtemp(prefix="pgcb-"))
            cluster = LocalCluster(root, bin_dir=Path(args.pgbin) if args.pgbin else None)
            settings = dict(CLUSTER_SETTINGS, max_connections=str(max(400, args.clients + 60)))
            st = cluster.start(extra_settings=settings)
            base = ConnParams(host=st.socket_dir, port=st.port, user="postgres", database="postgres")
        return asyncio.run(main_async(args, base))
    except PgConsoleError as exc:
        print(f"bench_collectors: {exc}", file=sys.stderr)
        return 2
    except (asyncpg.PostgresError, OSError) as exc:
        print(f"bench_collectors: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if cluster is not None:
            cluster.destroy()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
