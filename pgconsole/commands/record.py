"""`pgconsole record`: record every refresh of a server, headless, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import re
import signal
import sys

from ..errors import PgConsoleError
from ..fmt import bytes_
from ..history.recorder import Recorder, RecordOptions
from ..history.store import is_uri
from ..history.times import parse_duration, parse_size
from ..monitor import Monitor
from ..untrusted import say
from .common import add_conn_args, limits_from_args, params_from_args, positive_float

MIN_REFRESH_S = 0.2


def add_arguments(p) -> None:
    p.add_argument("-o", "--output", metavar="FILE",
                   help="the recording file (SQLite; default pgconsole-DBNAME.db); an existing recording "
                        "of the same server is continued")
    p.add_argument("--to", metavar="URI", help="record into a PostgreSQL database instead "
                                               "(postgresql://…; schema pgconsole_history)")
    p.add_argument("--name", metavar="NAME",
                   help="the server's name in the recording (default host:port/dbname)")
    p.add_argument("--refresh", type=positive_float, default=1.0, metavar="SECS", help="seconds between frames (default 1)")
    p.add_argument("--retention", default="24h", metavar="AGE",
                   help="drop what is older than this as it records (default 24h; 0: keep everything)")
    p.add_argument("--max-size", default="1GB", metavar="SIZE",
                   help="drop the oldest records past this size (default 1GB; 0: no limit)")
    p.add_argument("-q", "--quiet", action="store_true", help="no status line (errors still go to stderr)")
    add_conn_args(p)


def default_name(params) -> str:
    return params.describe().split("@", 1)[-1]


def default_file(params) -> str:
    db = params.describe().rsplit("/", 1)[-1]
    return "pgconsole-" + (re.sub(r"[^\w.-]", "_", db) or "server") + ".db"


async def _open_sink(args, params, name: str, retention_s: float | None, max_bytes: int | None):
    target = params.describe()
    if args.to:
        if not is_uri(args.to):
            raise PgConsoleError("--to takes a postgresql:// URI (for a file, use -o)")
        from ..history.pg_store import PgSink
        return await PgSink.open(args.to, name, target, retention_s, max_bytes)
    from ..history.sqlite_store import SqliteSink
    return await SqliteSink.open(args.output or default_file(params), name, target, retention_s, max_bytes)


async def record(args) -> int:
    if args.to and args.output:
        raise PgConsoleError("give either -o FILE or --to URI")
    if args.refresh < MIN_REFRESH_S:
        raise PgConsoleError(f"--refresh must be at least {MIN_REFRESH_S} s")
    retention_s = parse_duration(args.retention) or None
    max_bytes = parse_size(args.max_size) or None
    params, limits = params_from_args(args), limits_from_args(args)
    name = args.name or default_name(params)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):   # a closed terminal stops it cleanly too
        loop.add_signal_handler(sig, stop.set)
    sink = await _open_sink(args, params, name, retention_s, max_bytes)
    monitor = Monitor(params, limits)
    recorder = Recorder(monitor, sink, RecordOptions(refresh_s=args.refresh, quiet=args.quiet))
    try:
        progress = await recorder.run(stop)
    finally:
        try:
            await monitor.close()
        finally:
            await sink.close()
    if not args.quiet:
        say(f"pgconsole record: stopped; {progress.records} frames written to {sink.where} "
            f"({bytes_(progress.bytes)})", flush=True)
    return 0


def run(args) -> int:
    try:
        return asyncio.run(record(args))
    except KeyboardInterrupt:     # before the handlers were in place
        print("pgconsole record: interrupted", file=sys.stderr)
        return 130
