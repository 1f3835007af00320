"""`seed --like` inside the seed's one transaction (load.py's _Run): the source's schema made
before the load, its keys, checks, indexes and foreign keys after it.

A statement before the load that fails stops the seed (nothing is committed): the schema
could not be made. One after the load runs in a savepoint: when it fails (a CHECK the
generated rows do not meet, an operator class the target lacks), it is rolled back and
listed, and the seed goes on with the rest (a foreign key on a key that failed fails too).
"""

from __future__ import annotations

import time

import asyncpg

from ..errors import PgConsoleError
from .finish import Finish, pg_message
from .plan import SeedPlan


def routes(plan: SeedPlan) -> dict[str, str]:
    """Seeded partition -> the partitioned root its rows are COPYed into (routing them)."""
    return plan.ddl.routes if plan.ddl is not None else {}


async def create(run: Finish, order: list[str]) -> set[str]:
    """Make the schema; the tables COPY FREEZE may fill (made here, not partitions)."""
    ddl = run.plan.ddl
    assert ddl is not None   # seed --like: the source's schema to make
    for step in ddl.before:
        run._check_cancel()
        try:
            await run.conn.execute(step.sql)
        except asyncpg.PostgresError as exc:
            raise PgConsoleError(f"creating {step.name} in the target: {pg_message(exc)}; nothing was committed") \
                from None
    return {n for n in order if n not in ddl.routes}


async def build(run: Finish) -> list[str]:
    """The statements after the load; what fails goes to run.skipped as (what, why)."""
    built: list[str] = []
    spent: dict[str, float] = {}
    ddl = run.plan.ddl
    assert ddl is not None   # seed --like: the source's schema to make
    for step in ddl.after:
        run._check_cancel()
        table = step.table
        tracker = run.trackers.get(table) if table else None
        if tracker and table:
            tracker.set_phase("indexing", spent.get(table, 0.0))
        t = time.perf_counter()
        try:
            async with run.conn.transaction():    # a savepoint: a failure undoes this step only
                await run.conn.execute(step.sql)
        except asyncpg.PostgresError as exc:
            run.skipped.append((step.name, f"not built: {pg_message(exc)}"))
            continue
        built.append(step.name)
        if tracker and table:
            spent[table] = spent.get(table, 0.0) + time.perf_counter() - t
            tracker.set_phase("indexing", spent[table])
    run.spent = spent
    return built
