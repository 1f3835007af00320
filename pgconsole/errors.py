"""User-facing errors: one line, no traceback, never a password."""

from __future__ import annotations

import asyncio
import difflib
import re
import socket
from typing import Iterable, overload


class PgConsoleError(Exception):
    """An error whose message is fit to show a user as is (exit status 2)."""


def did_you_mean(word: str, choices: Iterable[str], elsewhere: str = "") -> str:
    """' (did you mean 'saas'?)' for the closest choice; else every choice when they are few,
    or `elsewhere` (where the full list is) when they are many."""
    names = sorted(set(choices))
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    if not close:  # part of a long name (slow_query -> slow_query_ms)
        close = [n for n in names if len(word) >= 3 and word.lower() in n.lower()][:1]
    if close:
        return f" (did you mean {close[0]!r}?)"
    if names and (len(names) <= 8 or not elsewhere):
        return f" (known: {', '.join(names)})"
    return f" ({elsewhere})" if elsewhere else ""


_PASSWORD_RE = re.compile(r"(password\s*=\s*)(\S+)|(://[^:/@\s]*:)([^@\s]+)(@)", re.IGNORECASE)


def scrub(text: str) -> str:
    """Remove anything that looks like a password from a message."""
    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return f"{m.group(1)}***"
        return f"{m.group(3)}***{m.group(5)}"
    return _PASSWORD_RE.sub(repl, text)


_SQL_PASSWORD_RE = re.compile(r"(\bPASSWORD\s+)('(?:[^']|'')*'|\$\w*\$.*?\$\w*\$)", re.IGNORECASE | re.DOTALL)


@overload
def scrub_sql(text: str) -> str: ...
@overload
def scrub_sql(text: None) -> None: ...
@overload
def scrub_sql(text: str | None) -> str | None: ...


def scrub_sql(text: str | None) -> str | None:
    """Hide literals given to PASSWORD in SQL text shown from pg_stat_activity or pg_stat_statements."""
    if not text or "password" not in text.lower():   # most texts: one C pass, no regex
        return text
    return _SQL_PASSWORD_RE.sub(lambda m: m.group(1) + "'***'", text)


def describe(exc: BaseException, target: str = "") -> str:
    """One clear line for a connection or query failure."""
    import asyncpg  # local: keep this module importable without the driver loaded

    where = f" to {target}" if target else ""
    if isinstance(exc, PgConsoleError):
        return scrub(str(exc))
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return f"authentication failed{where}: wrong password or no password for user (check PGPASSWORD or ~/.pgpass)"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return f"connection refused by the server{where}: {scrub(exc.args[0] if exc.args else str(exc))}"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        # the server's words name the database ('database "x" does not exist'); the target says where
        return f"{scrub(str(exc))}{' (connecting to ' + target + ')' if target else ''}"
    if isinstance(exc, asyncpg.TooManyConnectionsError):
        return f"the server has no free connection slots{where}: {scrub(str(exc))}"
    if isinstance(exc, asyncpg.QueryCanceledError):
        return f"query cancelled (statement_timeout or lock_timeout){where}: {scrub(str(exc))}"
    if isinstance(exc, asyncpg.PostgresError):
        return f"{scrub(str(exc))}{' (' + target + ')' if target else ''}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return f"timed out connecting{where}: is the host reachable and is PostgreSQL listening there?"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused{where}: is PostgreSQL running and accepting TCP connections on that port?"
    if isinstance(exc, socket.gaierror):
        return f"unknown host{where}: {exc.strerror or exc}"
    if isinstance(exc, FileNotFoundError) and target:
        return f"no PostgreSQL socket{where}: is the server running?"
    text = str(exc).lower()
    if "rejected ssl upgrade" in text or ("unexpected" in text and "protocol" in text):
        return f"the server{where} did not answer as PostgreSQL does: is that the right port?"
    if isinstance(exc, (ConnectionError, OSError)):
        msg = exc.strerror or str(exc)
        return f"cannot connect{where}: {scrub(msg)}"
    if isinstance(exc, asyncpg.InterfaceError) or type(exc).__module__.startswith("asyncpg"):
        text = str(exc)
        if "unexpected" in text.lower() or "protocol" in text.lower() or "connection was closed" in text:
            return f"the server{where} did not answer as PostgreSQL does (is that the right port?): {scrub(text)}"
        return f"{scrub(text)}"
    return f"{type(exc).__name__}: {scrub(str(exc))}"
