"""`pgconsole demo`: the embedded server, a seeded demo database, a light load, the console.

Quitting stops what the demo started: the load always, the server and its streaming
standby only if the demo started them (what was already running is left running).
"""

from __future__ import annotations

import asyncio
import sys

from ..errors import PgConsoleError
from ..untrusted import say
from .common import non_empty, nonnegative_int, positive_float
from .console import add_mouse_arg

DEMO_DB = "pgconsole_demo"


def add_arguments(p) -> None:
    p.add_argument("--refresh", type=positive_float, default=2.0, metavar="SECS",
                   help="seconds between refreshes (default 2)")
    p.add_argument("--read-only", action="store_true", help="disable actions that change the server")
    p.add_argument("--no-load", action="store_true", help="do not run the background load")
    p.add_argument("--scenario", type=non_empty, default="saas", metavar="NAME",
                   help="seed scenario added in schema saas (default saas; 'none' skips it)")
    p.add_argument("--scale", type=positive_float, default=0.2, help="scale of the seeded scenario (default 0.2)")
    p.add_argument("--workers", type=nonnegative_int, default=4, metavar="N", help="application sessions of the load (default 4)")
    p.add_argument("--no-standby", action="store_true",
                   help="do not start a streaming standby (pane 7 then shows the primary alone)")
    p.add_argument("--keep-server", action="store_true",
                   help="leave the embedded server (and its standby) running after quitting")
    p.add_argument("--ascii", action="store_true", help="ASCII sparklines and tree lines")
    add_mouse_arg(p)


def run(args) -> int:
    from ..cluster import LocalCluster, embedded_params, embedded_root
    from ..db import SessionLimits
    from ..demo_load import DemoLoad, LoadThread, prepare_demo_db, seed_scenario
    from .console import console, wants_ascii, wants_mouse

    if not 0.1 <= args.refresh <= 3600:
        raise PgConsoleError("--refresh must be between 0.1 and 3600 seconds")
    if not 0 < args.scale <= 10:
        raise PgConsoleError("--scale must be above 0 and at most 10")
    if not 0 <= args.workers <= 50:
        raise PgConsoleError("--workers must be between 0 and 50")
    if not sys.stdout.isatty():
        raise PgConsoleError("the demo opens the console and needs a terminal")
    cluster = LocalCluster(embedded_root())
    was_running = cluster.is_running()
    say("pgconsole demo: " + ("using the running embedded server" if was_running
                              else "starting the embedded server…"), flush=True)
    st = cluster.start()
    load = standby = None
    started_standby = False
    try:
        admin = embedded_params("postgres", cluster.root)   # follows the server across restarts
        params = admin.with_database(DEMO_DB)
        say(f"pgconsole demo: preparing database {DEMO_DB}…", flush=True)
        if asyncio.run(prepare_demo_db(admin, DEMO_DB)):
            say("pgconsole demo: created customers, accounts, orders, events", flush=True)
        if args.scenario != "none":
            try:
                asyncio.run(seed_scenario(params, args.scenario, args.scale,
                                          say=lambda m: say(f"pgconsole demo: {m}", flush=True)))
            except (PgConsoleError, ImportError, OSError) as exc:
                # the scenario adds realism; the built-in tables and the load are enough to go on
                say(f"pgconsole demo: scenario {args.scenario!r} not seeded: {exc}", flush=True)
        if not args.no_standby:
            from ..standby import start_demo_standby
            try:
                standby, started_standby = start_demo_standby(cluster, say=lambda m: say(f"pgconsole demo: {m}",
                                                                                        flush=True))
            except PgConsoleError as exc:   # pane 7 shows the primary alone; the rest is the same
                say(f"pgconsole demo: no standby: {exc}", flush=True)
        if not args.no_load:
            demo = DemoLoad(params, workers=args.workers)
            load = LoadThread(demo.run).start()
        return asyncio.run(console(params, SessionLimits(), refresh_s=args.refresh, read_only=args.read_only,
                                   ascii=wants_ascii(args.ascii), mouse=wants_mouse(args.no_mouse)))
    finally:
        if load is not None:
            load.stop()
        if standby is not None and started_standby and not args.keep_server:
            say("pgconsole demo: stopping the standby", flush=True)
            standby.destroy()
        if not was_running and not args.keep_server:
            say("pgconsole demo: stopping the embedded server", flush=True)
            cluster.stop()
