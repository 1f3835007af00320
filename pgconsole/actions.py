"""What the console does to the server, on sessions of its own.

Monitoring keeps its single connection; every action (cancel, terminate, EXPLAIN,
reset, VACUUM) runs here on a separate one, so a slow action never delays a
refresh and a refresh never queues behind an action. Each method returns one line
for a notification or raises PgConsoleError with one clear line. No Textual here:
the UI asks, this module does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, TypeVar

import asyncpg

from . import db, explain_guard, sqlfiles
from .capabilities import Capabilities
from .conninfo import ConnParams
from .errors import PgConsoleError, describe

R = TypeVar("R")

TERMINATE_WAIT_MS = 2000

GENERIC_PLAN_LIMITS = (
    "GENERIC_PLAN plans the normalized text with its $n placeholders unbound: the statement is not "
    "executed (no EXPLAIN ANALYZE, so no actual rows or timings); planning runs functions, so it was "
    "planned only after a check that every function it could reach is built in or a superuser's (or "
    "yours); placeholder types are inferred and some statements cannot be planned that way; the plan "
    "uses your role's default search_path, this session's settings and current statistics, which may "
    "differ from those of the session that ran the statement.")


@dataclass(frozen=True)
class Explained:
    statement: str
    database: str
    plan: str
    limits: str


def dollar_tag(text: str, base: str) -> str:
    """A $tag$ that does not occur in `text`, to quote it as a dollar-quoted literal."""
    n = 0
    while True:
        tag = f"${base}{n or ''}$"
        if tag not in text:
            return tag
        n += 1


def explain_unavailable_reason(version_num: int) -> str | None:
    """Why EXPLAIN of a normalized statement is impossible on this server, or None."""
    if version_num < 160000:
        return ("EXPLAIN of a normalized statement needs PostgreSQL 16 or later (EXPLAIN (GENERIC_PLAN)): "
                "before 16 its $n placeholders cannot be planned without values; run EXPLAIN yourself "
                "with real values")
    return None


class ActionSession:
    """Lazily opened action connections, one per database (EXPLAIN must run in the statement's)."""

    def __init__(self, params: ConnParams, limits: db.SessionLimits = db.SessionLimits(),
                 application_name: str = db.APP_NAME):
        self.params = params
        self.limits = limits
        self.application_name = application_name
        self._conns: dict[str, asyncpg.Connection] = {}
        self._pids: dict[str, int] = {}
        self._lock = asyncio.Lock()

    @property
    def own_pids(self) -> frozenset[int]:
        """Backends this session opened: the console marks them and never signals them."""
        return frozenset(self._pids.values())

    async def _conn(self, database: str | None = None) -> asyncpg.Connection:
        key = database or ""
        conn = self._conns.get(key)
        if conn is not None and not conn.is_closed():
            return conn
        params = self.params.with_database(database) if database else self.params
        conn = await db.connect(params, self.limits, application_name=self.application_name)
        self._conns[key] = conn
        self._pids[key] = await conn.fetchval(sqlfiles.load("backend_pid", 130000))
        return conn

    async def _run(self, fn: Callable[[asyncpg.Connection], Awaitable[R]], database: str | None = None) -> R:
        """Run fn(conn) on the action connection; reconnect once if the session was killed."""
        async with self._lock:
            for attempt in (1, 2):
                conn = await self._conn(database)
                try:
                    return await fn(conn)
                except (asyncpg.ConnectionDoesNotExistError, asyncpg.AdminShutdownError,
                        ConnectionError) as exc:
                    self._forget(database)
                    if attempt == 2:
                        raise PgConsoleError(f"action connection lost: {describe(exc)}") from None
                except asyncpg.PostgresError as exc:
                    raise PgConsoleError(describe(exc)) from None
                except asyncpg.InterfaceError as exc:
                    self._forget(database)
                    raise PgConsoleError(describe(exc)) from None
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _forget(self, database: str | None) -> None:
        key = database or ""
        conn = self._conns.pop(key, None)
        self._pids.pop(key, None)
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        conns, self._conns = list(self._conns.values()), {}
        self._pids.clear()
        for conn in conns:
            if conn.is_closed():
                continue
            try:
                await asyncio.wait_for(conn.close(), 2)
            except Exception:  # noqa: BLE001 - closing: nothing left to tell the user
                conn.terminate()

    # -- signals -------------------------------------------------------------
    def _refuse_own(self, pid: int, own_pids: frozenset[int]) -> None:
        if pid in own_pids or pid in self.own_pids:
            raise PgConsoleError(f"pid {pid} is one of this console's own sessions: not signalled")
        if pid <= 0:
            raise PgConsoleError("that row is a prepared transaction (no backend to signal): "
                                 "COMMIT PREPARED or ROLLBACK PREPARED it")

    async def cancel(self, pid: int, own_pids: frozenset[int] = frozenset()) -> str:
        """pg_cancel_backend: the query is cancelled, the session stays."""
        self._refuse_own(pid, own_pids)

        async def go(conn: asyncpg.Connection) -> bool:
            signalled: bool = await conn.fetchval(sqlfiles.load("cancel_backend", 130000), pid)
            return signalled

        if await self._run(go):
            return f"cancel sent to backend {pid}"
        raise PgConsoleError(f"backend {pid} was not signalled: it has ended, or is not a server backend")

    async def terminate(self, pid: int, own_pids: frozenset[int] = frozenset()) -> str:
        """pg_terminate_backend: the session ends (its transaction rolls back)."""
        self._refuse_own(pid, own_pids)

        async def go(conn: asyncpg.Connection) -> asyncpg.Record | None:
            v = conn.get_server_version()
            version = v.major * 10000 + v.minor if v.major >= 10 else v.major * 10000
            return await conn.fetchrow(sqlfiles.load("terminate_backend", version), pid, TERMINATE_WAIT_MS)

        row = await self._run(go)
        assert row is not None   # one row, always
        if row["signalled"]:
            return f"backend {pid} terminated" if row["waited"] else f"terminate sent to backend {pid}"
        if row["waited"]:
            raise PgConsoleError(f"backend {pid} was signalled but is still there after "
                                 f"{TERMINATE_WAIT_MS / 1000:.0f}s, or had already ended")
        raise PgConsoleError(f"backend {pid} was not signalled: it has ended, or is not a server backend")

    # -- pg_stat_statements ----------------------------------------------------
    async def explain(self, statement: str, database: str | None, caps: Capabilities) -> Explained:
        reason = explain_unavailable_reason(caps.version_num)
        if reason:
            raise PgConsoleError(reason)
        text = (statement or "").strip().rstrip(";").strip()
        if not text:
            raise PgConsoleError("no statement text to explain (the role cannot read it, or it was evicted)")
        names = explain_guard.names_in(text)   # one explainable statement, or refused
        outer = dollar_tag(text, "pgc_explain")
        inner = dollar_tag(text + outer, "pgc_stmt")
        sql = (sqlfiles.load("explain_generic", caps.version_num)
               .replace("{statement}", f"{inner}{text}{inner}").replace("{tag}", outer))

        async def go(conn: asyncpg.Connection) -> list[str]:
            lines: list[str] = []

            def listen(_conn: object, msg: object) -> None:
                lines.append(getattr(msg, "message", str(msg)))

            conn.add_log_listener(listen)
            try:
                # READ ONLY does not stop a function body; the guard, in this same transaction
                # (so with the search_path the statement is planned under), refuses what could run one
                async with conn.transaction(readonly=True):
                    # the session's own path is pg_catalog's (pgconsole.db): the statement's names
                    # are the user's, found on the role's own path, for this transaction only
                    await conn.fetchval(sqlfiles.load("set_search_path", caps.version_num),
                                        await db.role_search_path(conn))
                    await explain_guard.check(conn, names, caps.version_num)
                    await conn.execute(sql)
            finally:
                conn.remove_log_listener(listen)
            return lines

        lines = await self._run(go, database)
        return Explained(statement=text, database=database or self.params.database or "",
                         plan="\n".join(lines), limits=GENERIC_PLAN_LIMITS)

    async def reset_statements(self, caps: Capabilities) -> str:
        if not caps.pgss_schema:
            raise PgConsoleError("pg_stat_statements is not installed in this database")
        sql = caps.sql("statements_reset")

        async def go(conn: asyncpg.Connection) -> None:
            await conn.execute(sql)

        try:
            await self._run(go)
        except PgConsoleError as exc:
            if "permission denied" in str(exc):
                raise PgConsoleError(f"{exc} — as a superuser: GRANT EXECUTE ON FUNCTION "
                                     f"{caps.pgss_schema}.pg_stat_statements_reset TO {caps.current_user};"
                                     ) from None
            raise
        return "pg_stat_statements statistics reset"
