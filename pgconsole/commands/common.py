"""Connection options shared by every command, spelled as psql spells them, and the
argument types every command checks its numbers and names with."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import math
import os
import sys

from ..conninfo import ConnParams, resolve
from ..db import SessionLimits
from ..errors import PgConsoleError

MAX_TIMEOUT_S = 2_147_483   # PostgreSQL's timeouts are int milliseconds


# -- argument types: a value that is not a number, or not a sensible one, is refused by argparse
# with one line and exit status 2 (cli.Parser), before anything connects or runs

def _number(text: str, kind=float) -> float:
    try:
        value = kind(text.strip())
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a {'whole ' if kind is int else ''}number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (seconds, rates, scales)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def nonnegative_float(text: str) -> float:
    """A finite number, 0 or more."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def positive_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    value = int(_number(text, int))
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text!r}")
    return value


def interval_seconds(text: str) -> float:
    """Seconds between two samples: 0 up to an hour."""
    value = nonnegative_float(text)
    if value > 3600:
        raise argparse.ArgumentTypeError(f"must be at most 3600 seconds, got {text!r}")
    return value


def timeout_seconds(text: str) -> float:
    """statement_timeout, lock_timeout: above 0, at most what PostgreSQL takes (int milliseconds)."""
    value = positive_float(text)
    if value > MAX_TIMEOUT_S:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_TIMEOUT_S:,} seconds, got {text!r}")
    return value


def port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a TCP port is 1 to 65535, got {text!r}")
    return value


def non_empty(text: str) -> str:
    """A name or a word that must say something (a table, a schema)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def add_conn_args(p: argparse.ArgumentParser, positional: bool = True) -> None:
    if positional:
        p.add_argument("conninfo", nargs="?", metavar="CONN",
                       help="DBNAME, postgresql:// URI, 'host=... dbname=...' string or service=NAME "
                            "(default: PG* environment variables, like psql)")
        p.add_argument("positional_user", nargs="?", metavar="USER", help="user name, as psql's second argument")
    g = p.add_argument_group("connection (as psql)")
    g.add_argument("-h", "--host", help="server host or socket directory")
    g.add_argument("-p", "--port", help="server port")
    g.add_argument("-U", "--username", help="user name")
    g.add_argument("-d", "--dbname", help="database name or connection string")
    pw = g.add_mutually_exclusive_group()
    pw.add_argument("-W", "--password", dest="force_password", action="store_true",
                    help="prompt for a password")
    pw.add_argument("-w", "--no-password", dest="no_password", action="store_true",
                    help="never prompt for a password")
    g.add_argument("--statement-timeout", type=timeout_seconds, default=5.0, metavar="SECS",
                   help="statement_timeout of pgconsole's own sessions (default 5)")
    g.add_argument("--lock-timeout", type=timeout_seconds, default=1.0, metavar="SECS",
                   help="lock_timeout of pgconsole's own sessions (default 1)")
    g.add_argument("--embedded", action="store_true",
                   help="connect to the embedded server (pgconsole server start)")


def params_from_args(args: argparse.Namespace, prompt: bool = True) -> ConnParams:
    """The connection the options name. As psql: -W asks for the password first; otherwise,
    when the server asks for one that is not known and stdin is a terminal, ask then (never
    with -w, nor for `prompt=False` commands made for scripts: they fail fast)."""
    if getattr(args, "embedded", False):
        from ..cluster import embedded_params
        return embedded_params(args.dbname or getattr(args, "conninfo", None) or "postgres")
    params = _resolve(args)
    if getattr(args, "force_password", False):
        if not sys.stdin.isatty():
            raise PgConsoleError("-W needs a terminal to prompt for the password; use PGPASSWORD or ~/.pgpass")
        return _resolve(args, _ask(params))
    if (prompt and not getattr(args, "no_password", False) and sys.stdin.isatty()
            and not params.has_password() and _needs_password(params, limits_from_args(args))):
        return _resolve(args, _ask(params))
    return params


def _resolve(args: argparse.Namespace, password: str | None = None) -> ConnParams:
    return resolve(getattr(args, "conninfo", None), getattr(args, "positional_user", None),
                   host=args.host, port=args.port, username=args.username, dbname=args.dbname,
                   password=password)


def _ask(params: ConnParams) -> str:
    return getpass.getpass(f"Password for user {params.user or getpass.getuser()}: ")


def _needs_password(params: ConnParams, limits: SessionLimits) -> bool:
    """Connect once to learn whether the server wants a password (psql learns it the same way);
    any other failure is the command's error, said now rather than twice."""
    from ..db import PasswordNeeded, connect

    async def probe() -> bool:
        try:
            conn = await connect(params, limits)
        except PasswordNeeded:
            return True
        await conn.close()
        return False
    return asyncio.run(probe())


def limits_from_args(args: argparse.Namespace) -> SessionLimits:
    st = getattr(args, "statement_timeout", 5.0)
    lt = getattr(args, "lock_timeout", 1.0)
    for flag, value in (("--statement-timeout", st), ("--lock-timeout", lt)):
        if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT_S):
            raise PgConsoleError(f"{flag} must be more than 0 and at most {MAX_TIMEOUT_S:,} seconds")
    # at least 1 ms: 0 would switch the timeout off
    return SessionLimits(statement_timeout_ms=max(1, round(st * 1000)), lock_timeout_ms=max(1, round(lt * 1000)))


def interactive() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM", "") not in ("", "dumb")
