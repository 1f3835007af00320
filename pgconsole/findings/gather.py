"""Run the catalog queries once, each on its own: one refusal never stops the others."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import asyncpg

from ..capabilities import Capabilities
from ..collectors.base import GRANT_HINT
from ..errors import describe, scrub
from ..snapshots import Unavailable, from_records
from .catalog_rows import QUERIES, Catalog

# asked only of a superuser: pg_stat_file is not granted to anyone else by default
SUPERUSER_ONLY = frozenset({"database_created"})


def _unavailable(name: str, exc: BaseException, caps: Capabilities) -> Unavailable:
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return Unavailable(name, f"permission denied ({scrub(str(exc))})",
                           GRANT_HINT.format(user=caps.current_user))
    if isinstance(exc, asyncpg.QueryCanceledError):
        return Unavailable(name, "timed out (statement_timeout)", "raise --statement-timeout")
    return Unavailable(name, describe(exc), "")


async def gather_catalog(conn: asyncpg.Connection, caps: Capabilities,
                         names: tuple[str, ...] | None = None) -> Catalog:
    """Rows for every catalog query (or those in `names`); Unavailable where refused."""
    results: dict[str, tuple[Any, ...] | Unavailable] = {}
    for name, cls in QUERIES.items():
        if names is not None and name not in names:
            continue
        if name in SUPERUSER_ONLY and not caps.is_superuser:
            continue
        try:
            rows = await conn.fetch(caps.sql(name))
            results[name] = from_records(cls, rows)
        except asyncpg.PostgresError as exc:
            results[name] = _unavailable(name, exc, caps)
    return Catalog(sampled_at=datetime.now(timezone.utc), results=results)
