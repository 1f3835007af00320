"""What pane 7 can do about a holder of the xmin horizon: roll back a forgotten prepared
transaction, drop a replication slot nothing reads. Run on the console's action session
(never the monitoring one), in the database the object belongs to."""

from __future__ import annotations

import asyncpg

from . import sqlfiles
from .actions import ActionSession
from .errors import PgConsoleError

V = 130000


async def rollback_prepared(actions: ActionSession, gid: str, database: str | None) -> str:
    """ROLLBACK PREPARED, from the database it was prepared in (the server insists)."""
    async def go(conn: asyncpg.Connection) -> None:
        statement = await conn.fetchval(sqlfiles.load("prepared_end", V), gid, False)
        if statement is None:
            raise PgConsoleError(f"no prepared transaction {gid!r} in database {database}: already ended?")
        await conn.execute(statement)

    await actions._run(go, database)
    return f"prepared transaction {gid!r} rolled back"


async def drop_slot(actions: ActionSession, slot: str, database: str | None) -> str:
    """pg_drop_replication_slot, only while nothing uses it; a logical slot from its database."""
    async def go(conn: asyncpg.Connection) -> bool:
        dropped: bool = await conn.fetchval(sqlfiles.load("drop_slot", V), slot)
        return dropped

    if not await actions._run(go, database):
        raise PgConsoleError(f"slot {slot!r} was not dropped: it is in use again, or already gone")
    return f"replication slot {slot!r} dropped"
