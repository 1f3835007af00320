"""The database side before a seed: which tables exist, hold rows, and how keys tie them.

All checks that can refuse a seed run here, before the first write: a table with rows
and neither --truncate nor --append, columns that do not match the scenario, a table
outside the seed that a TRUNCATE would break, a cycle of NOT NULL foreign keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import asyncpg

from .. import sqlfiles
from ..errors import PgConsoleError
from ..quoting import qualified, quote_ident
from .pgtypes import same_type
from .plan import SeedPlan, TablePlan


_PLAIN = re.compile(r"^[a-z_][a-z0-9_$]*$")


def shown(schema: str | None, name: str) -> str:
    """A name for messages: quoted only where SQL would need it (public.users, public."Order")."""
    def part(s: str) -> str:
        return s if _PLAIN.match(s) else quote_ident(s)

    return f"{part(schema)}.{part(name)}" if schema else part(name)


@dataclass(frozen=True)
class ExistingColumn:
    name: str
    type: str
    base_type: str
    not_null: bool
    has_default: bool
    identity: str
    generated: str
    typtype: str
    enum_labels: list[Any] | None
    default_expr: str | None


@dataclass(frozen=True)
class Constraint:
    name: str
    type: str             # p, u, f, c, x
    table_name: str
    table_schema: str
    columns: tuple[str, ...]
    ref_schema: str | None
    ref_table: str | None
    ref_columns: tuple[str, ...]
    deferrable: bool
    definition: str
    comment: str = ""


@dataclass(frozen=True)
class ExistingTable:
    oid: int
    name: str
    columns: dict[str, ExistingColumn]
    partitioned: bool = False
    has_rows: bool = False
    offset: int = 0       # --append: where generated keys continue


@dataclass(frozen=True)
class Target:
    schema: str
    schema_exists: bool
    tables: dict[str, ExistingTable]
    constraints: tuple[Constraint, ...]
    indexes: tuple[dict[str, Any], ...]      # indexes no constraint owns (seed_indexes rows)
    names: frozenset[str]          # relation and constraint names taken in the schema


def version_num(conn: asyncpg.Connection) -> int:
    """server_version_num of an asyncpg connection (170004 for 17.4)."""
    v = conn.get_server_version()
    num: int = v.major * 10000 + v.minor
    return num


async def read_catalog(conn: asyncpg.Connection, schema: str, names: list[str] | None) -> Target:
    """Tables (all of the schema's when names is None), columns, constraints, names in use."""
    version = version_num(conn)
    def q(name: str) -> str:
        return sqlfiles.load(name, version)

    rows = await conn.fetch(q("seed_tables"), schema, names)
    tables = {r["name"]: r for r in rows}
    oids = [r["oid"] for r in rows]
    cols: dict[int, dict[str, ExistingColumn]] = {o: {} for o in oids}
    for r in await conn.fetch(q("seed_columns"), oids):
        d = dict(r)
        oid = d.pop("table_oid")
        cols[oid][r["name"]] = ExistingColumn(**d)
    cons = tuple(Constraint(r["name"], r["type"], r["table_name"], r["table_schema"], tuple(r["columns"]),
                            r["ref_schema"], r["ref_table"], tuple(r["ref_columns"] or ()), r["deferrable"],
                            r["definition"], r["comment"])
                 for r in await conn.fetch(q("seed_constraints"), oids))
    idx = tuple(dict(r) for r in await conn.fetch(q("seed_indexes"), oids))
    taken = frozenset(r["name"] for r in await conn.fetch(q("seed_names"), schema))
    exists = await conn.fetchval(q("seed_schema"), schema)
    return Target(schema, exists, {n: ExistingTable(r["oid"], n, cols[r["oid"]], r["kind"] == "p")
                                   for n, r in tables.items()},
                  cons, idx, taken)


async def with_row_state(conn: asyncpg.Connection, target: Target, plan: SeedPlan) -> Target:
    """Which planned tables hold rows; for --append, where their keys should continue."""
    out = dict(target.tables)
    for tp in plan.tables:
        t = target.tables.get(tp.name)
        if t is None or tp.rows == 0:
            continue
        tab = qualified(target.schema, tp.name)
        has_rows = await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {tab})")
        offset = 0
        if has_rows and plan.options.mode == "append":
            offset = await _append_offset(conn, tab, tp)
        out[tp.name] = ExistingTable(t.oid, t.name, t.columns, t.partitioned, has_rows, offset)
    return Target(target.schema, target.schema_exists, out, target.constraints, target.indexes, target.names)


async def _append_offset(conn: asyncpg.Connection, tab: str, tp: TablePlan) -> int:
    """Rows to skip so serial keys, unique suffixes and uuids of appended rows are new."""
    serials = [c for c in tp.spec.columns if c.spec.gen == "serial" and c.type.family in ("int2", "int4", "int8")]
    exprs = ["count(*)"] + [f"max({quote_ident(c.name)})" for c in serials]
    r = await conn.fetchrow(f"SELECT {', '.join(exprs)} FROM {tab}")
    assert r is not None   # an aggregate: one row
    offset: int = r[0]
    for i, c in enumerate(serials, 1):
        top, start, step = r[i], c.spec.params.get("start", 1), c.spec.params.get("step", 1)
        if top is not None and step > 0:
            offset = max(offset, (top - start) // step + 1)
    return offset


def check(plan: SeedPlan, target: Target) -> None:
    """Refuse, with one clear line, anything that would touch data the user did not offer."""
    schema, mode = target.schema, plan.options.mode
    if not target.schema_exists and plan.existing_schema:
        raise PgConsoleError(f"schema {schema!r} does not exist")
    full = [tp.name for tp in plan.tables if tp.rows > 0 and target.tables.get(tp.name)
            and target.tables[tp.name].has_rows]
    if full and mode == "new":
        names = ", ".join(shown(schema, n) for n in full)
        raise PgConsoleError(f"{names} already {'has' if len(full) == 1 else 'have'} rows: pgconsole seed "
                             f"never touches them (use --truncate to replace the rows, --append to add more)")
    if mode == "truncate":
        loading = {tp.name for tp in plan.tables if tp.rows > 0}
        if plan.ddl is not None:   # seed --like loads every partition of a root: the root's keys too
            loading |= {root for leaf, root in plan.ddl.routes.items() if leaf in loading}
        for c in target.constraints:
            if c.type == "f" and c.ref_table in loading and c.ref_schema == schema and not (
                    c.table_schema == schema and c.table_name in loading):
                raise PgConsoleError(
                    f"cannot truncate {shown(schema, c.ref_table)}: {shown(c.table_schema, c.table_name)} "
                    f"refers to it ({c.name}) and is not part of this seed")
    for tp in plan.tables:
        t = target.tables.get(tp.name)
        if t is None or plan.existing_schema:
            continue
        where = f"table {shown(schema, tp.name)} exists but"
        for col in tp.spec.columns:
            have = t.columns.get(col.name)
            if have is None:
                raise PgConsoleError(f"{where} has no column {col.name!r} ({plan.scenario.path})")
            if have.generated:
                raise PgConsoleError(f"{where} column {col.name!r} is generated: it cannot be loaded")
            if not same_type(have.type, col.type.sql):
                raise PgConsoleError(f"{where} column {col.name!r} is {have.type}, the scenario says {col.type.sql}")
        for name, existing in t.columns.items():
            if tp.spec.column(name) is None and existing.not_null and not existing.has_default and not existing.identity:
                raise PgConsoleError(f"{where} its column {name!r} is NOT NULL without a default and "
                                     f"the scenario does not fill it")


def load_order(plan: SeedPlan, target: Target) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """Tables in an order the foreign keys already on them accept.

    Returns (order, deferred, deferrable): deferred are (table, column) foreign keys in a
    cycle loaded as NULL and set afterwards; deferrable are constraint names to SET DEFERRED.
    Foreign keys the seed creates itself come after the load and impose no order.
    """
    names = [tp.name for tp in plan.tables]
    inside = set(names)
    edges = []   # (child, parent, constraint)
    for c in target.constraints:
        if (c.type == "f" and c.table_schema == target.schema and c.ref_schema == target.schema
                and c.table_name in inside and c.ref_table in inside and c.table_name != c.ref_table):
            edges.append((c.table_name, c.ref_table, c))
    order: list[str] = []
    deferred: list[tuple[str, str]] = []
    deferrable: list[str] = []
    remaining = list(names)
    live = list(edges)
    while remaining:
        ready = [t for t in remaining if not any(ch == t and p in remaining for ch, p, _ in live)]
        if ready:
            order.extend(ready)
            remaining = [t for t in remaining if t not in ready]
            continue
        # a cycle: break it at a nullable foreign key (load NULL, UPDATE later) or a deferrable one
        cyc = [(ch, p, c) for ch, p, c in live if ch in remaining and p in remaining]
        pick = next((e for e in cyc if _nullable(target, e[0], e[2].columns)), None)
        if pick is not None:
            deferred.extend((pick[0], col) for col in pick[2].columns)
        else:
            pick = next((e for e in cyc if e[2].deferrable), None)
            if pick is None:
                loop = " -> ".join(sorted({e[0] for e in cyc}))
                raise PgConsoleError(f"tables {loop} refer to each other through NOT NULL foreign keys that "
                                     f"are not DEFERRABLE: no load order can satisfy them")
            deferrable.append(pick[2].name)
        live.remove(pick)
    return order, deferred, deferrable


def _nullable(target: Target, table: str, columns: Iterable[str]) -> bool:
    t = target.tables.get(table)
    return t is not None and all(not t.columns[c].not_null for c in columns if c in t.columns)
