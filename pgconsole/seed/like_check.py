"""`seed --like`, after the seed: proof that the target has the source's shape.

Statistics: like_stats.compare. Plans: the same queries EXPLAINed on both (no ANALYZE, so
nothing runs; explain_guard first, as planning can run functions), compared by shape:
node types and the tables they read, in tree order (which is the join order); costs and
index names aside. Queries are pgconsole's own
probes built from the schema and statistics (a foreign-key join, equality on the most
and least common value of a skewed column and of a foreign key, a range on an ordered
column) and any the caller gives. A query names values by placeholder, resolved on each
side from that side's own statistics, so no value of the source reaches the target:
    {mcv:table.column:0}    the most common value (-1: the least common of the list)
    {hist:table.column:0.9} the histogram bound at that quantile
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import AbstractSet, Any

import asyncpg

from .. import explain_guard, sqlfiles
from ..explain_guard import ExplainRefused
from ..quoting import qualified, quote_ident
from .like_stats import Shape
from .pgtypes import PgType
from .scenario import Scenario
from .target import version_num

_PLACE = re.compile(r"\{(mcv|hist):([^:{}]+)\.([^:{}.]+):(-?[\d.]+)\}")


@dataclass(frozen=True)
class PlanCheck:
    query: str          # as given, placeholders unresolved (no value of the source in it)
    source: str         # plan shapes, "Hash Join > Seq Scan on orders > ..."
    target: str
    ok: bool


def literal(value: str, t: PgType) -> str:
    """A value as SQL: cast to the column's type, but text untyped (the column may be an
    enum or a domain, which the comparison then takes it as)."""
    text = "'" + value.replace("'", "''") + "'"
    return text if t.family == "text" else text + "::" + (t.sql or t.name)


def resolve(sql: str, shape: Shape, schema: str, types: dict[tuple[str, str], PgType]) -> str | None:
    """The query with this side's values in its placeholders; None when one has no value."""
    missing = False

    def sub(m: re.Match[str]) -> str:
        nonlocal missing
        kind, table, col, arg = m.groups()
        st, t = shape.columns.get((table, col)), types.get((table, col))
        values = (st.mcv if kind == "mcv" else st.histogram) if st is not None else []
        values = [v for v in values if v is not None]
        if not values or t is None:
            missing = True
            return "NULL"
        i = int(arg) if kind == "mcv" else round(float(arg) * (len(values) - 1))
        return literal(values[max(-len(values), min(i, len(values) - 1))], t)

    out = _PLACE.sub(sub, sql)
    return None if missing else out


def probes(scen: Scenario, shape: Shape, schema: str, limit: int = 12,
           skip: AbstractSet[str] = frozenset()) -> list[str]:
    """Queries whose plans depend on the shape: joins along foreign keys, skewed values, ranges.
    Not on the columns in `skip` ("table.column": not shaped by statistics)."""
    out: list[str] = []
    for t in scen.tables:
        tab = qualified(schema, t.name)
        for c in t.columns:
            st = shape.columns.get((t.name, c.name))
            if f"{t.name}.{c.name}" in skip:
                continue
            col = quote_ident(c.name)
            if c.spec.gen == "ref" and not c.spec.params.get("group"):
                ptable, pcol = c.spec.params["ref"].split(".")
                out.append(f"SELECT count(*) FROM {tab} c JOIN {qualified(schema, ptable)} p "
                           f"ON p.{quote_ident(pcol)} = c.{col}")
                if st is not None and st.mcv:
                    out.append(f"SELECT * FROM {tab} WHERE {col} = {{mcv:{t.name}.{c.name}:0}}")
            elif st is not None and len(st.mcv) >= 2 and c.spec.gen in ("shaped", "choice"):
                out.append(f"SELECT * FROM {tab} WHERE {col} = {{mcv:{t.name}.{c.name}:0}}")
                out.append(f"SELECT * FROM {tab} WHERE {col} = {{mcv:{t.name}.{c.name}:-1}}")
            elif st is not None and abs(st.correlation or 0) > 0.9 and len(st.histogram) > 10:
                out.append(f"SELECT * FROM {tab} WHERE {col} > {{hist:{t.name}.{c.name}:0.95}}")
    return out[:limit]


def plan_shape(plan: dict[str, Any]) -> list[str]:
    out = []

    def walk(node: dict[str, Any], depth: int) -> None:
        rel = node.get("Relation Name")
        out.append("  " * depth + node["Node Type"] + (f" on {rel}" if rel else ""))
        for child in node.get("Plans", ()):
            walk(child, depth + 1)
    walk(plan["Plan"], 0)
    return out


async def explain(conn: asyncpg.Connection, sql: str, schema: str) -> list[str]:
    """The plan shape of sql with the seeded schema as search_path (pgconsole's own sessions
    run on pg_catalog alone), once explain_guard found that planning it runs no code but
    built-in functions and those of superusers or of this role (ExplainRefused otherwise)."""
    names = explain_guard.names_in(sql)
    version = version_num(conn)
    async with conn.transaction(readonly=True):
        await conn.fetchval(sqlfiles.load("set_search_path", version), quote_ident(schema))
        await explain_guard.check(conn, names, version)
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}")
    return plan_shape((json.loads(raw) if isinstance(raw, str) else raw)[0])


async def compare_plans(src_conn: asyncpg.Connection, tgt_conn: asyncpg.Connection, queries: list[str], src: Shape,
                        tgt: Shape, schema: str, types: dict[tuple[str, str], PgType],
                        notes: list[Any] | None = None) -> list[PlanCheck]:
    """Each query's plan shape on both sides; one the guard refuses goes to `notes`."""
    out = []
    for q in queries:
        a, b = resolve(q, src, schema, types), resolve(q, tgt, schema, types)
        if a is None or b is None:
            continue
        try:
            pa = await explain(src_conn, a, schema)
            pb = await explain(tgt_conn, b, schema)
        except ExplainRefused as exc:   # (a parse error would quote the text: a value of the source's)
            why = "EXPLAIN refused: it does not parse" if "does not parse" in str(exc) else str(exc)
            if notes is not None:
                notes.append(f"{q}: {why}")
            continue
        except asyncpg.PostgresError as exc:   # named, not quoted: the message may hold the source's value
            if notes is not None:
                notes.append(f"{q}: could not be planned ({type(exc).__name__}, SQLSTATE {exc.sqlstate})")
            continue
        out.append(PlanCheck(q, " > ".join(x.strip() for x in pa), " > ".join(x.strip() for x in pb), pa == pb))
    return out
