"""Opening the console's own sessions.

Every session pgconsole opens says who it is (application_name) and bounds itself
(statement_timeout, lock_timeout), so a console never becomes the thing that hurts
the server it watches.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import asyncpg

from .conninfo import ConnParams
from .errors import PgConsoleError, describe

APP_NAME = "pgconsole"


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
                  application_name: str = APP_NAME, own_settings: bool = True) -> asyncpg.Connection:
    """Connect or raise PgConsoleError with one clear line (no password in it).

    `own_settings` False: only the application name is set, so the session sees the
    values the server gives any session of this role and database (a report quotes them)."""
    kwargs = params.asyncpg_kwargs()
    kwargs["timeout"] = params.connect_timeout or limits.connect_timeout_s
    kwargs["server_settings"] = {"application_name": application_name,
                                 **(session_settings(limits) if own_settings else {})}
    try:
        conn = await asyncpg.connect(**kwargs)
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError) as exc:
        raise PgConsoleError(describe(exc, params.describe())) from None
    except Exception as exc:  # the driver raises odd things on non-PostgreSQL ports
        raise PgConsoleError(describe(exc, params.describe())) from None
    return conn

