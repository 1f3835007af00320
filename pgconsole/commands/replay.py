"""`pgconsole replay FILE|--from URI --server NAME`: the console over a recording, at any moment."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ..errors import PgConsoleError
from ..history.times import TIME_FORMS, parse_time
from .console import add_mouse_arg, wants_ascii, wants_mouse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", metavar="FILE", help="a recording file (pgconsole record -o FILE)")
    p.add_argument("--from", dest="source", metavar="FILE|URI",
                   help="a recording file, or a PostgreSQL store (postgresql://…, with --server)")
    p.add_argument("--server", metavar="NAME", help="the recorded server, in a store holding several")
    p.add_argument("--at", metavar="T", default=None,
                   help=f"the moment to open at (default the first): {TIME_FORMS}")
    p.add_argument("--ascii", action="store_true", help="ASCII glyphs only (also PGCONSOLE_ASCII=1)")
    add_mouse_arg(p)


def run(args: argparse.Namespace) -> int:
    where = args.source or args.file
    if not where:
        raise PgConsoleError("give a recording: pgconsole replay FILE, or --from postgresql://… --server NAME")
    if args.source and args.file:
        raise PgConsoleError("give either FILE or --from")
    if not sys.stdout.isatty():
        raise PgConsoleError("replay needs a terminal; for one moment use 'pgconsole snapshot --from FILE --at T'")
    return asyncio.run(replay(where, args.server, args.at, ascii=wants_ascii(args.ascii),
                              mouse=wants_mouse(args.no_mouse)))


async def replay(where: str, server: str | None, at: str | None, *, ascii: bool = False,
                 mouse: bool = True) -> int:
    """Open the recording (failing with one line before any screen is drawn), then the console."""
    from ..history.replay import RecordedSource
    from ..ui.app import ConsoleApp

    source = await RecordedSource.open(where, server)
    try:
        start = parse_time(at, source.last) if at else None
        info = source.recording.server
        app = ConsoleApp(None, None, target=info.target or info.name, read_only=True, ascii=ascii,
                         replay=source, replay_at=start)
        await app.run_async(mouse=mouse)
    finally:
        await source.close()
    return int(app.return_code or 0)
