"""`pgconsole [CONN] [USER]`: the live console."""

from __future__ import annotations

import asyncio
import gc
import os
import sys

from ..errors import PgConsoleError
from .common import add_conn_args, limits_from_args, params_from_args, positive_float


def add_arguments(p) -> None:
    p.add_argument("--refresh", type=positive_float, default=2.0, metavar="SECS",
                   help="seconds between refreshes (default 2; + and - change it live)")
    p.add_argument("--read-only", action="store_true",
                   help="disable every action that changes the server (cancel, terminate, reset, VACUUM)")
    p.add_argument("--ascii", action="store_true",
                   help="ASCII sparklines and tree lines, for terminals that mangle Unicode "
                        "(also PGCONSOLE_ASCII=1)")
    p.add_argument("--record", metavar="FILE",
                   help="also record every refresh to FILE (as `pgconsole record -o FILE`: replay it later); "
                        "without it the console keeps the last 30 minutes in memory for [ and ]")
    add_mouse_arg(p)
    add_conn_args(p)


def add_mouse_arg(p) -> None:
    p.add_argument("--no-mouse", action="store_true",
                   help="leave the mouse to the terminal, so selecting text works without Shift "
                        "(also PGCONSOLE_NO_MOUSE=1)")


def wants_mouse(no_mouse_flag: bool) -> bool:
    return not no_mouse_flag and os.environ.get("PGCONSOLE_NO_MOUSE", "") in ("", "0")


def wants_ascii(flag: bool) -> bool:
    if flag or os.environ.get("PGCONSOLE_ASCII", "") not in ("", "0"):
        return True
    enc = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    return bool(enc) and enc != "utf8"


def run(args) -> int:
    if not 0.1 <= args.refresh <= 3600:
        raise PgConsoleError("--refresh must be between 0.1 and 3600 seconds")
    if not sys.stdout.isatty():
        raise PgConsoleError("the console needs a terminal; for a one-off report use 'pgconsole snapshot'")
    params = params_from_args(args)
    limits = limits_from_args(args)
    return asyncio.run(console(params, limits, refresh_s=args.refresh, read_only=args.read_only,
                               ascii=wants_ascii(args.ascii), mouse=wants_mouse(args.no_mouse),
                               record=getattr(args, "record", None)))


async def console(params, limits, *, refresh_s: float = 2.0, read_only: bool = False, ascii: bool = False,
                  mouse: bool = True, record: str | None = None) -> int:
    """Connect (failing with one line before any screen is drawn), then run the app."""
    from ..actions import ActionSession
    from ..history.tap import FrameTap
    from ..monitor import Monitor
    from ..source import LiveSource
    from ..ui.app import ConsoleApp

    sink = None
    if record:
        from ..history.sqlite_store import SqliteSink
        from .record import default_name
        sink = await SqliteSink.open(record, default_name(params), params.describe(), 24 * 3600.0, 1 << 30)
    tap = FrameTap(sink, name=params.describe(), target=params.describe())
    monitor = Monitor(params, limits)
    try:
        await tap.start()
        await monitor.open()
    except BaseException:
        await tap.close()
        raise
    actions = ActionSession(params, limits)
    app = ConsoleApp(LiveSource(monitor, tap), actions, target=params.describe(), refresh_s=refresh_s,
                     read_only=read_only, ascii=ascii, poll_timeout_s=limits.statement_timeout_ms / 1000 * 4 + 10)
    quiet_collector()
    try:
        await app.run_async(mouse=mouse)
    finally:
        try:
            await monitor.close()
            await actions.close()
        finally:
            await tap.close()
    return app.return_code or 0


GC_YOUNG = 10_000   # objects allocated (net) between two young collections; Python's default is 700


def quiet_collector() -> None:
    """The cycle collector for a long-running console: what is loaded by now (modules, Textual,
    ~80,000 objects) is frozen out of its scans, and the young generation is collected every
    10,000 objects instead of 700. A refresh allocates thousands of objects that mostly live
    until the next one (rows, cells, strips): at 700 the collector ran several times a frame and
    cost 3-5% of the console's CPU; plain reference counting frees them as before."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
