"""`seed --like SOURCE [TARGET]` from start to end: derive, check the target, seed, compare.

The console (or any program) can call these; the command (commands/seed.py) prints them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import AbstractSet

from ..conninfo import ConnParams
from ..db import SessionLimits, connect
from ..errors import PgConsoleError
from .. import sqlfiles
from .like import Derived, derive
from .like_check import PlanCheck, compare_plans, probes
from .like_parts import continue_keys
from .like_statements import compare_statements
from .like_stats import Check, compare, read_shape
from .plan import SeedOptions, SeedPlan, make_plan
from .target import read_catalog, shown, version_num

APP = "pgconsole seed --like"


async def plan_like(source: ConnParams, target: ConnParams, opts: SeedOptions, keep: AbstractSet[str] = frozenset(),
                    limits: SessionLimits | None = None) -> tuple[Derived, SeedPlan]:
    """The source's shape as a scenario, planned for the target: its tables are created when
    the target has none of them, used as they are when it has all of them."""
    derived = await derive(source, opts.schema, keep, limits)
    names = [t.name for t in derived.scenario.tables]
    conn = await connect(target, limits or SessionLimits(), application_name=APP)
    try:
        have = set((await read_catalog(conn, opts.schema, names)).tables)
        if not have and derived.copy is not None:   # types the copy uses but cannot make: the target's own
            for name in derived.copy.needs:
                if await conn.fetchval(sqlfiles.load("seed_like_type_exists", version_num(conn)), name) is None:
                    raise PgConsoleError(f"the source's tables use type {name}, which the target lacks: create it "
                                         f"there first (CREATE EXTENSION, or its CREATE TYPE)")
    finally:
        await conn.close()
    if have and have != set(names):
        missing = sorted(set(names) - have)
        raise PgConsoleError(f"the target has some of the source's tables but not {shown(opts.schema, missing[0])}"
                             f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}: seed --like creates "
                             f"all of them in an empty schema, or fills them all where they exist")
    # vacuumed after the load, as the source's tables are: plans weigh the visibility map
    opts = dataclasses.replace(opts, vacuum=opts.analyze)
    plan = make_plan(derived.scenario, opts, existing_schema=bool(have))
    if derived.copy is not None and derived.copy.routes:   # partitions' keys go on where the last one's end
        rows = {tp.name: tp.rows for tp in plan.tables}
        tables = list(derived.scenario.tables)
        for root in dict.fromkeys(derived.copy.routes.values()):
            leaves = [t for t in tables if derived.copy.routes.get(t.name) == root]
            done = {t.name: t for t in continue_keys(leaves, rows)}
            tables = [done.get(t.name, t) for t in tables]
        derived = dataclasses.replace(derived, scenario=dataclasses.replace(derived.scenario, tables=tuple(tables)))
        plan = make_plan(derived.scenario, opts, existing_schema=bool(have))
    return derived, dataclasses.replace(plan, ddl=derived.copy)


@dataclass(frozen=True)
class Comparison:
    stats: tuple[Check, ...]
    plans: tuple[PlanCheck, ...]
    notes: tuple[str, ...] = ()    # the source's statements not compared, and why


async def compare_like(source: ConnParams, target: ConnParams, derived: Derived, schema: str,
                       queries: list[str] | None = None, limits: SessionLimits | None = None) -> Comparison:
    """The target's pg_stats beside the source's, and the plans of the probe queries, of
    `queries` and of the source's own top statements (16+) on both. Run after the seed's ANALYZE."""
    src = await connect(source, limits or SessionLimits(), application_name=APP)
    try:
        tgt = await connect(target, limits or SessionLimits(), application_name=APP)
        try:
            tshape = await read_shape(tgt, schema)
            fell = {name for name, _ in derived.fallback}     # listed apart: not shaped by statistics
            shaped = {k: t for k, t in derived.types.items() if f"{k[0]}.{k[1]}" not in fell}
            stats = compare(derived.shape, tshape, shaped)
            qs = probes(derived.scenario, derived.shape, schema, skip=fell) + list(queries or ())
            notes: list[str] = []
            plans = await compare_plans(src, tgt, qs, derived.shape, tshape, schema, derived.types, notes)
            tables = {t.name for t in derived.scenario.tables}
            tables |= set(derived.copy.routes.values()) if derived.copy is not None else set()
            own = await compare_statements(src, tgt, schema, tables)
        finally:
            await tgt.close()
    finally:
        await src.close()
    return Comparison(tuple(stats), tuple(plans) + own.plans, tuple(notes) + own.notes)
