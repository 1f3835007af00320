"""Command-line entry point: `pgconsole [CONN] [USER]` opens the console; subcommands do the rest.

Each subcommand lives in pgconsole/commands/<name>.py with `add_arguments(parser)` and
`run(args) -> int`, imported only when used so `pgconsole --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from types import ModuleType
from typing import NoReturn

from .errors import PgConsoleError, scrub
from .untrusted import one_line, say

SUBCOMMANDS = {
    "snapshot": "sample every view twice and print them (tables or JSON)",
    "report": "write a health report from measured figures (md, json, html)",
    "record": "record every refresh of a server to a file or a PostgreSQL store",
    "replay": "open the console over a recording: every pane at any moment",
    "seed": "fill a database with realistic data from a scenario",
    "bench": "run pgbench against a database and watch it",
    "vacuum": "VACUUM ANALYZE tables with live progress",
    "server": "manage the embedded PostgreSQL server (start|stop|status|url)",
    "demo": "start the embedded server, seed it, add load and open the console",
}


def _command_module(name: str) -> ModuleType:
    return importlib.import_module(f"pgconsole.commands.{name}")


class Parser(argparse.ArgumentParser):
    """Bad arguments are bad input like any other: one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        message = message.removeprefix("argument ")   # "--top: must be 1 or more, got '-5'"
        self.exit(2, f"pgconsole: error: {one_line(message)} (see {self.prog} --help)\n")


def build_parser(name: str | None) -> argparse.ArgumentParser:
    if name is None:
        mod = _command_module("console")
        epilog = "commands:\n" + "\n".join(f"  {k:<10}{v}" for k, v in SUBCOMMANDS.items())
        epilog += "\n\nRun 'pgconsole COMMAND --help' for a command's options."
        p = Parser(prog="pgconsole", description="A live PostgreSQL console for the terminal.",
                                    epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
                                    add_help=False)
    else:
        mod = _command_module(name)
        p = Parser(prog=f"pgconsole {name}", description=SUBCOMMANDS[name], add_help=False)
    # -h is --host, as in psql; help is --help (or -?)
    p.add_argument("--help", "-?", action="help", help="show this help and exit")
    mod.add_arguments(p)
    p.set_defaults(_module=mod)
    return p


# a relative time (--at -15m, --between -1h -30m) is a value, not an option: argparse would
# take it for one, so it is handed over with a leading space (the time parser strips it)
_RELATIVE_TIME = re.compile(r"-\d+(\.\d+)?[smhdw](\d+(\.\d+)?[smhdw])*")


def main(argv: list[str] | None = None) -> int:
    argv = [" " + a if _RELATIVE_TIME.fullmatch(a) else a for a in (sys.argv[1:] if argv is None else argv)]
    name = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    if name:
        argv = argv[1:]
    if argv[:1] == ["--version"]:
        from . import __version__
        say(f"pgconsole {__version__}")
        return 0
    parser = build_parser(name)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:   # --help (0) or bad arguments (2, one line already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args._module.run(args) or 0)
    except PgConsoleError as exc:
        print(one_line(f"pgconsole: error: {scrub(str(exc))}"), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pgconsole: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
