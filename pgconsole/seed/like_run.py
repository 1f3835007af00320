"""`seed --like SOURCE [TARGET]` from start to end: derive, check the target, seed, compare.

The console (or any program) can call these; the command (commands/seed.py) prints them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..conninfo import ConnParams
from ..db import SessionLimits, connect
from ..errors import PgConsoleError
from .like import Derived, derive
from .like_check import PlanCheck, compare_plans, probes
from .like_stats import Check, compare, read_shape
from .plan import SeedOptions, SeedPlan, make_plan
from .target import read_catalog, shown

APP = "pgconsole seed --like"


async def plan_like(source: ConnParams, target: ConnParams, opts: SeedOptions, keep: set[str] = frozenset(),
                    limits: SessionLimits | None = None) -> tuple[Derived, SeedPlan]:
    """The source's shape as a scenario, planned for the target: its tables are created when
    the target has none of them, used as they are when it has all of them."""
    derived = await derive(source, opts.schema, keep, limits)
    names = [t.name for t in derived.scenario.tables]
    conn = await connect(target, limits or SessionLimits(), application_name=APP)
    try:
        have = set((await read_catalog(conn, opts.schema, names)).tables)
    finally:
        await conn.close()
    if have and have != set(names):
        missing = sorted(set(names) - have)
        raise PgConsoleError(f"the target has some of the source's tables but not {shown(opts.schema, missing[0])}"
                             f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}: seed --like creates "
                             f"all of them in an empty schema, or fills them all where they exist")
    # vacuumed after the load, as the source's tables are: plans weigh the visibility map
    opts = dataclasses.replace(opts, vacuum=opts.analyze)
    return derived, make_plan(derived.scenario, opts, existing_schema=bool(have))


@dataclass(frozen=True)
class Comparison:
    stats: tuple[Check, ...]
    plans: tuple[PlanCheck, ...]


async def compare_like(source: ConnParams, target: ConnParams, derived: Derived, schema: str,
                       queries: list[str] | None = None, limits: SessionLimits | None = None) -> Comparison:
    """The target's pg_stats beside the source's, and the plans of the probe queries (and
    `queries`) on both. Run after the seed's ANALYZE."""
    src = await connect(source, limits or SessionLimits(), application_name=APP)
    try:
        tgt = await connect(target, limits or SessionLimits(), application_name=APP)
        try:
            tshape = await read_shape(tgt, schema)
            fell = {name for name, _ in derived.fallback}     # listed apart: not shaped by statistics
            shaped = {k: t for k, t in derived.types.items() if f"{k[0]}.{k[1]}" not in fell}
            stats = compare(derived.shape, tshape, shaped)
            qs = probes(derived.scenario, derived.shape, schema) + list(queries or ())
            plans = await compare_plans(src, tgt, qs, derived.shape, tshape, schema, derived.types)
        finally:
            await tgt.close()
    finally:
        await src.close()
    return Comparison(tuple(stats), tuple(plans))
