"""Opening the console's own sessions.

Every session pgconsole opens says who it is (application_name) and bounds itself
(statement_timeout, lock_timeout), so a console never becomes the thing that hurts
the server it watches.

Its own queries resolve functions, operators and types in pg_catalog only: the role's
search_path may hold a schema others can write to (public before PostgreSQL 15, or any
a user created and the DBA added), where a planted better-matching overload (an exact
type where the built-in needs an implicit cast, text where it takes name...) would run
as the console's role on every refresh. So a session SETs `pg_catalog, pg_temp` as soon
as it is open; a name the user typed is looked up as the role's own search_path would
find it (`role_schemas`), and EXPLAIN plans under that path (behind its guard).
"""

from __future__ import annotations

import asyncio
from typing import Any
from dataclasses import dataclass

import asyncpg

from . import sqlfiles
from .conninfo import ConnParams
from .errors import PgConsoleError, describe

APP_NAME = "pgconsole"
OWN_SEARCH_PATH = "pg_catalog, pg_temp"   # pg_temp last: not even a temporary table shadows a catalog


@dataclass(frozen=True)
class SessionLimits:
    statement_timeout_ms: int = 5000
    lock_timeout_ms: int = 1000
    connect_timeout_s: float = 10.0


def session_settings(limits: SessionLimits = SessionLimits()) -> dict[str, str]:
    """The settings pgconsole's own sessions run with (not the server's: a report says which)."""
    return {
        "statement_timeout": str(limits.statement_timeout_ms),
        "lock_timeout": str(limits.lock_timeout_ms),
        # a monitoring session must never hold a snapshot open for long
        "idle_in_transaction_session_timeout": str(max(limits.statement_timeout_ms * 6, 60000)),
        # catalog reads must not take parallel workers away from the application
        "max_parallel_workers_per_gather": "0",
    }


async def connect(params: ConnParams, limits: SessionLimits = SessionLimits(),
                  application_name: str = APP_NAME, own_settings: bool = True,
                  own_search_path: bool = True) -> asyncpg.Connection:
    """Connect or raise PgConsoleError with one clear line (no password in it).

    `own_settings` False: only the application name and search_path are set, so the session
    sees the values the server gives any session of this role and database (a report quotes
    them). `own_search_path` False: the role's search_path is kept (the demo's simulated
    application only: it runs its own statements, as any application would)."""
    kwargs = params.asyncpg_kwargs()
    kwargs["timeout"] = params.connect_timeout or limits.connect_timeout_s
    # "" rather than None: asyncpg would read PGPASSWORD and ~/.pgpass again on its own
    # (warning about a file libpq ignores with a raw Python UserWarning)
    kwargs["password"] = kwargs["password"] or ""
    # prepared statements kept for the session: asyncpg's default closes each one 300 s after
    # it was prepared, so every read paced at 5 minutes (catalog, bloat) was parsed and planned
    # again each time, at 2-3x the run's own cost (14 ms instead of 5 for the catalog checks)
    kwargs["max_cached_statement_lifetime"] = 0
    kwargs["server_settings"] = {"application_name": application_name,
                                 **(session_settings(limits) if own_settings else {})}
    try:
        conn: asyncpg.Connection = await asyncpg.connect(**kwargs)
    except Exception as exc:  # the driver raises odd things on non-PostgreSQL ports
        raise await _why(exc, params, kwargs) from None
    if own_search_path:
        # SET, not a startup setting: the role's own path stays the session's reset value
        try:
            await conn.execute(sqlfiles.load("own_search_path", version_num(conn)))
        except BaseException as exc:
            conn.terminate()
            if isinstance(exc, asyncpg.PostgresError):
                raise PgConsoleError(describe(exc, params.describe())) from None
            raise
    return conn


class PasswordNeeded(PgConsoleError):
    """The server asked for a password and none was given (libpq: no password supplied)."""


async def _why(exc: Exception, params: ConnParams, kwargs: dict[str, Any]) -> PgConsoleError:
    """One line for a failed connection, saying what psql would say where the driver's
    words mislead (a refused socket is not a TCP port, a refused SSL request is not a
    stranger on the port, an empty password was not a wrong one)."""
    target = params.describe()
    host, port = kwargs["host"], kwargs["port"]
    if isinstance(exc, asyncpg.InvalidPasswordError) and not kwargs["password"]:
        return PasswordNeeded(f"authentication failed to {target}: the server asks for a password and none "
                             "was given (PGPASSWORD, ~/.pgpass, or -W to be asked)")
    if isinstance(exc, ConnectionRefusedError) and host.startswith("/"):
        return PgConsoleError(f"no server listens on socket {host}/.s.PGSQL.{port} ({target}): the socket "
                              "file is there, so the server crashed or was stopped without removing it")
    if "rejected ssl upgrade" in str(exc).lower() and params.sslmode not in (None, "disable", "allow", "prefer"):
        if await _answers_no_to_ssl(host, port, kwargs["timeout"]):
            return PgConsoleError(f"server does not support SSL, but SSL was required "
                                  f"({target}, sslmode={params.sslmode})")
    return PgConsoleError(describe(exc, target))


async def _answers_no_to_ssl(host: str, port: int, timeout: float) -> bool:
    """Ask again with a bare SSLRequest: PostgreSQL without TLS answers 'N', anything else is no server."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        try:
            writer.write((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
            return await asyncio.wait_for(reader.read(1), timeout) == b"N"
        finally:
            writer.close()
    except (OSError, asyncio.TimeoutError):
        return False


def version_num(conn: asyncpg.Connection) -> int:
    """server_version_num of a connection (170004 for 17.4)."""
    v = conn.get_server_version()
    return v.major * 10000 + v.minor


async def role_search_path(conn: asyncpg.Connection) -> str:
    """The search_path setting this role's sessions get (its ALTER ROLE / DATABASE SET, the
    server's, or the connection's options), not the one pgconsole SET for itself."""
    setting: str = await conn.fetchval(sqlfiles.load("role_search_path", version_num(conn)))
    return setting


async def on_role_path(conn: asyncpg.Connection, query: str, *args: object) -> list[asyncpg.Record]:
    """Rows of pgconsole query `query` run under the role's own search_path (its text fully
    qualified: that path may hold anything), this session's own path back right after. In a
    transaction of its own, or a savepoint of the caller's."""
    version = version_num(conn)
    set_path = sqlfiles.load("set_search_path", version)
    setting = await role_search_path(conn)
    async with conn.transaction():   # set_config(..., true): until this (sub)transaction ends
        await conn.fetchval(set_path, setting)
        rows = await conn.fetch(sqlfiles.load(query, version), *args)
        await conn.fetchval(set_path, OWN_SEARCH_PATH)   # a savepoint's SET LOCAL outlives it
    return rows


async def role_schemas(conn: asyncpg.Connection) -> tuple[str, ...]:
    """The schemas the role's own search_path reaches, in the order a name is looked up (the
    implicit ones included), to find a name the user typed where the user's own session would."""
    rows = await on_role_path(conn, "search_path")
    return tuple(rows[0]["schemas"])


async def role_type_names(conn: asyncpg.Connection, names: set[str] | list[str]) -> dict[str, str]:
    """Type names a user wrote (a scenario's `citext`), as this session must write them: those
    the role's own search_path finds outside pg_catalog, qualified (public.citext); the others
    as they are (built in, or not found: the statement using them says so)."""
    names = sorted(set(names))
    if not names:
        return {}
    found = {r["name"]: r["oid"] for r in await on_role_path(conn, "role_types", names) if r["oid"] is not None}
    rows = await conn.fetch(sqlfiles.load("type_names", version_num(conn)), list(found.values())) if found else []
    shown = {r["oid"]: r["shown"] for r in rows if r["schema"] != "pg_catalog"}
    return {n: shown.get(found.get(n), n) for n in names}
