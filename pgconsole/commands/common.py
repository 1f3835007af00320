"""Connection options shared by every command, spelled as psql spells them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from ..conninfo import ConnParams, resolve
from ..db import SessionLimits
from ..errors import PgConsoleError


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
    g.add_argument("--statement-timeout", type=float, default=5.0, metavar="SECS",
                   help="statement_timeout of pgconsole's own sessions (default 5)")
    g.add_argument("--lock-timeout", type=float, default=1.0, metavar="SECS",
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
    if st <= 0 or lt <= 0:
        raise PgConsoleError("--statement-timeout and --lock-timeout must be positive")
    return SessionLimits(statement_timeout_ms=int(st * 1000), lock_timeout_ms=int(lt * 1000))


def interactive() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM", "") not in ("", "dumb")
