"""`seed --like`: the source schema's own definitions, read from its catalog as pg_dump does.

Read under an empty search_path (pg_dump's way), so format_type(), pg_get_expr(),
pg_get_constraintdef() and pg_get_indexdef() qualify every name outside pg_catalog and
the definitions mean the same in any session. Catalog only: no row of a table is read.
like_ddl.py turns these facts into statements; like.py into the scenario's generators.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from .. import sqlfiles
from .target import version_num

BUILT_IN = 16384     # FirstNormalObjectId: objects below it come with PostgreSQL


@dataclass(frozen=True)
class SourceColumn:
    name: str
    type: str                  # format_type(): qualified outside pg_catalog
    type_oid: int
    type_schema: str
    collation: tuple[str, str] | None   # (schema, name) when not the type's own
    not_null: bool
    identity: str              # '', 'a' (ALWAYS), 'd' (BY DEFAULT)
    generated: str             # '', 's' (STORED), 'v' (VIRTUAL, 18)
    expression: str | None     # the default, or the generation expression
    calls_code: bool           # the expression needs a function or operator not built in
    stattarget: int | None
    options: tuple[str, ...]   # attoptions: n_distinct=..., ...


@dataclass(frozen=True)
class SourceConstraint:
    name: str
    type: str                  # p, u, c, x, f
    definition: str
    ref_schema: str | None
    ref_table: str | None
    calls_code: bool


@dataclass(frozen=True)
class SourceIndex:
    name: str
    kind: str                  # index, statistics (CREATE STATISTICS)
    definition: str
    calls_code: bool


@dataclass(frozen=True)
class SourceTable:
    oid: int
    name: str
    kind: str                  # r, p
    persistence: str           # p, u
    options: tuple[str, ...]   # reloptions
    partition_key: str | None  # pg_get_partkeydef: RANGE (created_at)
    strategy: str | None       # r, l, h
    bound: str | None          # a partition's FOR VALUES ... or DEFAULT
    parent: str | None         # a partition's parent
    parent_schema: str | None
    inherits: bool             # a child of plain inheritance
    typed: bool                # CREATE TABLE ... OF type
    row_security: bool
    triggers: tuple[str, ...]
    columns: tuple[SourceColumn, ...] = ()
    constraints: tuple[SourceConstraint, ...] = ()
    indexes: tuple[SourceIndex, ...] = ()

    def column(self, name: str) -> SourceColumn | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class SourceType:
    oid: int
    name: str
    kind: str                  # e enum, d domain, c composite, r range, b base
    array_oid: int
    extension: bool
    labels: tuple[str, ...]
    base: str | None           # a domain's base type (format_type)
    collation: tuple[str, str] | None
    not_null: bool
    default: str | None
    default_calls_code: bool
    checks: tuple[tuple[str, str, bool], ...]    # (name, definition, calls code)
    attributes: tuple[tuple[str, str], ...]      # a composite's (name, type)
    depends: tuple[int, ...]


@dataclass(frozen=True)
class SourceSequence:
    name: str
    type: str
    start: int
    increment: int
    min: int
    max: int
    cache: int
    cycle: bool
    owned: str | None          # 'a' a serial column's, 'i' an identity's
    table_schema: str | None
    table_name: str | None
    column_name: str | None
    extension: bool


@dataclass(frozen=True)
class SourceSchema:
    schema: str
    tables: dict[str, SourceTable]
    types: tuple[SourceType, ...]
    sequences: tuple[SourceSequence, ...]
    other: tuple[tuple[str, str], ...]           # (kind, name) of what is not copied

    def type(self, oid: int) -> SourceType | None:
        return next((t for t in self.types if t.oid == oid), None)

    def leaves(self, root: str) -> list[str]:
        """The partitions of `root` that hold rows (its leaves, through sub-partitions)."""
        out = []
        for t in self.tables.values():
            if t.parent == root and t.parent_schema == self.schema:
                out += self.leaves(t.name) if t.kind == "p" else [t.name]
        return out

    def root(self, name: str) -> str:
        t = self.tables[name]
        while t.parent is not None and t.parent_schema == self.schema and t.parent in self.tables:
            t = self.tables[t.parent]
        return t.name


async def read_source_schema(conn: asyncpg.Connection, schema: str) -> SourceSchema:
    """Everything `seed --like` re-creates of `schema`, and what it leaves out."""
    version = version_num(conn)
    def q(name: str) -> str:
        return sqlfiles.load(name, version)

    async with conn.transaction(readonly=True):   # the empty search_path lasts as long as it
        await conn.fetchval(q("set_search_path"), "")
        rels = await conn.fetch(q("seed_like_relations"), schema)
        oids = [r["oid"] for r in rels]
        cols: dict[int, list[SourceColumn]] = {o: [] for o in oids}
        for r in await conn.fetch(q("seed_like_columns"), oids):
            coll = (r["collation_schema"], r["collation"]) if r["collation"] else None
            cols[r["table_oid"]].append(SourceColumn(
                r["name"], r["type"], r["type_oid"], r["type_schema"], coll, r["not_null"], r["identity"],
                r["generated"], r["expression"], r["calls_code"], r["stattarget"], tuple(r["options"])))
        cons: dict[int, list[SourceConstraint]] = {o: [] for o in oids}
        for r in await conn.fetch(q("seed_like_constraints"), oids):
            cons[r["table_oid"]].append(SourceConstraint(r["name"], r["type"], r["definition"], r["ref_schema"],
                                                         r["ref_table"], r["calls_code"]))
        idx: dict[int, list[SourceIndex]] = {o: [] for o in oids}
        for r in await conn.fetch(q("seed_like_index_defs"), oids):
            idx[r["table_oid"]].append(SourceIndex(r["name"], r["kind"], r["definition"], r["calls_code"]))
        tables = {r["name"]: SourceTable(
            r["oid"], r["name"], r["kind"], r["persistence"], tuple(r["options"]), r["partition_key"],
            r["strategy"], r["bound"], r["parent"], r["parent_schema"], r["inherits"], r["typed"],
            r["row_security"], tuple(r["triggers"]), tuple(cols[r["oid"]]), tuple(cons[r["oid"]]),
            tuple(idx[r["oid"]])) for r in rels}
        types = tuple(SourceType(
            r["oid"], r["name"], r["kind"], r["array_oid"], r["extension"], tuple(r["labels"]), r["base"],
            (r["collation_schema"], r["collation"]) if r["collation"] else None, r["not_null"], r["default_value"],
            r["default_calls_code"], tuple(zip(r["check_names"], r["check_defs"], r["check_calls_code"])),
            tuple(zip(r["attributes"], r["attribute_types"])), tuple(r["depends"]))
            for r in await conn.fetch(q("seed_like_types"), schema))
        seqs = tuple(SourceSequence(**dict(r)) for r in await conn.fetch(q("seed_like_sequences"), schema))
        other = tuple((r["kind"], r["name"]) for r in await conn.fetch(q("seed_like_left_out"), schema))
    return SourceSchema(schema, tables, types, seqs, other)
