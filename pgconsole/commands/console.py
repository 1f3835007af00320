"""`pgconsole [CONN] [USER]`: the live console."""

from __future__ import annotations

import asyncio
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
                               ascii=wants_ascii(args.ascii), mouse=wants_mouse(args.no_mouse)))


async def console(params, limits, *, refresh_s: float = 2.0, read_only: bool = False, ascii: bool = False,
                  mouse: bool = True) -> int:
    """Connect (failing with one line before any screen is drawn), then run the app."""
    from ..actions import ActionSession
    from ..monitor import Monitor
    from ..ui.app import ConsoleApp

    monitor = Monitor(params, limits)
    await monitor.open()
    actions = ActionSession(params, limits)
    app = ConsoleApp(monitor, actions, target=params.describe(), refresh_s=refresh_s, read_only=read_only,
                     ascii=ascii, poll_timeout_s=limits.statement_timeout_ms / 1000 * 4 + 10)
    try:
        await app.run_async(mouse=mouse)
    finally:
        await monitor.close()
        await actions.close()
    return app.return_code or 0
