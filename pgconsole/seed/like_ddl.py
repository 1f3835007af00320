"""`seed --like`: the statements that re-create the source's schema in the target.

As `pg_dump --schema-only` would, from the source's own definitions (like_catalog.py):
before the load, enum, composite and domain types (in the order they build on each other),
sequences, tables with their columns' types, collations, defaults, identity and generated
columns, partitioned tables and their partitions (pg_get_partkeydef, the partitions'
bounds), storage options and statistics targets; after the load, as the seeder builds
keys anyway, primary keys, unique and exclusion constraints, CHECKs, the domains' CHECKs,
indexes, extended statistics and foreign keys. Identifiers are quoted by quoting.py; the
definitions PostgreSQL printed (types, expressions, constraints, indexes) are used as
printed, schema-qualified.

Not copied, and listed in `left_out`: what would run code that is not built in (triggers,
functions, a default, CHECK, index or generated column that calls a function of the
source's or of an extension), views, policies, rules, range and base types. A column the
seeder cannot generate (a composite type, a generated column without its expression) is
created NULLable and left NULL (or to its default).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..quoting import qualified, quote_ident, quote_literal
from .like_catalog import SourceColumn, SourceConstraint, SourceSchema, SourceSequence, SourceTable, SourceType

_KINDS = {"p": "primary key", "u": "unique", "x": "exclusion", "c": "check", "f": "foreign key"}
_OTHER = {"function": "a function's body is code", "view": "views are not copied",
          "materialized view": "views are not copied", "foreign table": "foreign tables are not copied",
          "policy": "policies are not copied (row security is left off)", "rule": "rules are not copied"}


@dataclass(frozen=True)
class DdlStep:
    name: str            # what it makes, for messages: "index orders_status_idx"
    sql: str
    table: str | None    # the seeded table it is counted under (progress), if any


@dataclass(frozen=True)
class SchemaCopy:
    schema: str
    before: tuple[DdlStep, ...]             # types, sequences, tables, partitions: before the load
    after: tuple[DdlStep, ...]              # keys, checks, indexes, foreign keys: after it
    routes: dict[str, str]                  # a partition seeded as a table of its own -> the root it is COPYed into
    strategies: dict[str, str]              # partitioned root -> r (range), l (list), h (hash)
    needs: tuple[str, ...]                  # types the copy uses and does not create (an extension's)
    left_out: tuple[tuple[str, str], ...]   # (object, why)


def copy_schema(src: SourceSchema, unfilled: set[tuple[str, str]]) -> SchemaCopy:
    """The statements for schema `src`; unfilled: (table, column) the seeder will not
    generate (created without NOT NULL unless a default fills them)."""
    s = src.schema
    before: list[DdlStep] = []
    after: list[DdlStep] = []
    left: list[tuple[str, str]] = []
    made = _types(src, before, after, left)
    for q in src.sequences:
        if q.owned != "i" and not q.extension:
            before.append(DdlStep(f"sequence {q.name}", f"CREATE SEQUENCE {qualified(s, q.name)} AS {q.type} "
                                                        f"{_seq_options(q)}", None))
    tables = _table_order(src)
    leaves = {t.name: src.leaves(t.name) for t in tables if t.kind == "p"}
    track = {t.name: (leaves[t.name][0] if leaves[t.name] else None) if t.kind == "p" else t.name for t in tables}
    needs: list[str] = []
    for t in tables:
        before.append(DdlStep(f"table {t.name}", _create(src, t, unfilled, left), track[t.name]))
        if not t.bound:
            needs += [c.type for c in t.columns if c.type_schema != "pg_catalog" and c.type_oid not in made
                      and c.type not in needs]
    for q in src.sequences:
        if (q.owned == "a" and q.table_schema == s and q.table_name in src.tables and not q.extension
                and q.column_name is not None):   # (an owned sequence has its column)
            before.append(DdlStep(f"sequence {q.name}", f"ALTER SEQUENCE {qualified(s, q.name)} OWNED BY "
                                                        f"{qualified(s, q.table_name)}.{quote_ident(q.column_name)}",
                                  None))
    for t in tables:
        before += _column_settings(s, t, track[t.name])
        left += [(f"trigger {t.name}.{name}", "triggers run functions: not copied") for name in t.triggers]
        if t.row_security:
            left.append((f"table {t.name}", "row security: left off (policies are not copied)"))
        if t.inherits or t.typed:
            left.append((f"table {t.name}", "inheritance or OF type: created as a table of its own"))
    for kinds in ("pux", "c"):
        for t in tables:
            for c in t.constraints:
                if c.type in kinds:
                    _constraint(s, t, c, track[t.name], after, left)
    for ty in src.types:
        for name, definition, calls in ty.checks if ty.kind == "d" and ty.oid in made else ():
            if calls:
                left.append((f"check {name} of domain {ty.name}", "calls a function that is not built in: not "
                                                                   "created (values are generated without it)"))
            else:
                after.append(DdlStep(f"check {name} of domain {ty.name}", f"ALTER DOMAIN {qualified(s, ty.name)} "
                                                                           f"ADD CONSTRAINT {quote_ident(name)} "
                                                                           f"{definition}", None))
    for t in tables:
        for ix in t.indexes:
            if ix.calls_code:
                left.append((f"{ix.kind} {ix.name}", "uses a function, operator or operator class that is not "
                                                     "built in: not created"))
                continue
            sql = ix.definition.replace(" ON ONLY ", " ON ", 1) if t.kind == "p" else ix.definition
            after.append(DdlStep(f"{ix.kind} {ix.name}", sql, track[t.name]))
    for t in tables:
        for c in t.constraints:
            if c.type == "f":
                _constraint(s, t, c, track[t.name], after, left)
    for (kind, name), n in Counter(src.other).items():   # (overloads of a function once)
        left.append((f"{kind} {name}" + (f" ({n} of them)" if n > 1 else ""), _OTHER.get(kind, "not copied")))
    routes = {leaf: src.root(leaf) for t in tables if t.kind == "p" and not t.bound for leaf in leaves[t.name]}
    strategies = {t.name: t.strategy or "" for t in tables if t.kind == "p" and not t.bound}
    return SchemaCopy(s, tuple(before), tuple(after), routes, strategies, tuple(needs), tuple(left))


def _types(src: SourceSchema, before: list[Any], after: list[Any], left: list[Any]) -> set[int]:
    """CREATE TYPE / CREATE DOMAIN in dependency order; the oids (and array oids) made."""
    s, made = src.schema, set()
    ours = {t.oid: t for t in src.types}
    order: list[SourceType] = []

    def visit(t: SourceType, trail: frozenset[int]) -> None:
        if t in order or t.oid in trail:
            return
        for d in t.depends:
            if d in ours:
                visit(ours[d], trail | {t.oid})
        order.append(t)

    for t in src.types:
        visit(t, frozenset())
    for t in order:
        name = qualified(s, t.name)
        if t.extension:
            continue
        if t.kind == "e":
            sql = f"CREATE TYPE {name} AS ENUM ({', '.join(map(quote_literal, t.labels))})"
        elif t.kind == "c":
            sql = f"CREATE TYPE {name} AS ({', '.join(f'{quote_ident(a)} {ty}' for a, ty in t.attributes)})"
        elif t.kind == "d":
            sql = f"CREATE DOMAIN {name} AS {t.base}"
            if t.collation:
                sql += f" COLLATE {qualified(*t.collation)}"
            if t.default and not t.default_calls_code:
                sql += f" DEFAULT {t.default}"
            elif t.default:
                left.append((f"default of domain {t.name}", "calls a function that is not built in: left out"))
            if t.not_null:
                sql += " NOT NULL"
        else:
            left.append((f"type {t.name}", "a range or base type needs functions: not copied (create it in the "
                                           "target first)"))
            continue
        before.append(DdlStep(f"type {t.name}", sql, None))
        made |= {t.oid, t.array_oid}
    return made


def _seq_options(q: SourceSequence) -> str:
    return (f"START WITH {q.start} INCREMENT BY {q.increment} MINVALUE {q.min} MAXVALUE {q.max} CACHE {q.cache}"
            f"{'' if q.cycle else ' NO'} CYCLE")


def _table_order(src: SourceSchema) -> list[SourceTable]:
    """Tables of their own first, then partitions once their parent is made."""
    out = [t for t in src.tables.values() if not t.bound]
    made = {t.name for t in out}
    rest = [t for t in src.tables.values() if t.bound]
    while rest:
        ready = [t for t in rest if t.parent in made or t.parent_schema != src.schema]
        if not ready:   # a partition of a table outside the schema: made on its own
            ready = rest[:1]
        out += ready
        made |= {t.name for t in ready}
        rest = [t for t in rest if t not in ready]
    return out


def _create(src: SourceSchema, t: SourceTable, unfilled: set[tuple[str, str]], left: list[Any]) -> str:
    name = qualified(src.schema, t.name)
    head = f"CREATE {'UNLOGGED ' if t.persistence == 'u' else ''}TABLE {name}"
    if t.bound and t.parent_schema == src.schema and t.parent in src.tables:
        sql = f"{head} PARTITION OF {qualified(t.parent_schema, t.parent)} {t.bound}"
    else:
        cols = [_column(src, t, c, unfilled, left) for c in t.columns]
        sql = f"{head} (\n    " + ",\n    ".join(cols) + "\n)"
    if t.partition_key:
        sql += f" PARTITION BY {t.partition_key}"
    if t.options:
        sql += " WITH (" + ", ".join(_option(o) for o in t.options) + ")"
    return sql


def _option(text: str) -> str:
    key, _, value = text.partition("=")
    return f"{quote_ident(key)} = {quote_literal(value)}"


def _column(src: SourceSchema, t: SourceTable, c: SourceColumn, unfilled: set[tuple[str, str]],
            left: list[Any]) -> str:
    where = f"{t.name}.{c.name}"
    out = f"{quote_ident(c.name)} {c.type}"
    if c.collation:
        out += f" COLLATE {qualified(*c.collation)}"
    filled_by_default = False
    if c.identity:
        seq = next((q for q in src.sequences if q.owned == "i" and q.table_name == t.name
                    and q.column_name == c.name), None)
        out += f" GENERATED {'ALWAYS' if c.identity == 'a' else 'BY DEFAULT'} AS IDENTITY"
        if seq is not None:
            out += f" (SEQUENCE NAME {qualified(src.schema, seq.name)} {_seq_options(seq)})"
    elif c.generated and not c.calls_code:
        out += f" GENERATED ALWAYS AS ({c.expression}) {'VIRTUAL' if c.generated == 'v' else 'STORED'}"
        filled_by_default = True
    elif c.generated:
        left.append((f"column {where}", "generated by a function that is not built in: created as a plain "
                                        "column, left NULL"))
    elif c.expression and not c.calls_code:
        out += f" DEFAULT {c.expression}"
        filled_by_default = True
    elif c.expression:
        left.append((f"default of {where}", "calls a function that is not built in: left out"))
    if c.not_null:
        if (t.name, c.name) in unfilled and not filled_by_default:
            left.append((f"NOT NULL of {where}", f"no values are generated for type {c.type}: left out, "
                                                 f"the column left NULL"))
        else:
            out += " NOT NULL"
    return out


def _column_settings(schema: str, t: SourceTable, track: str | None) -> list[DdlStep]:
    """Statistics targets and per-column options (n_distinct...): they shape what ANALYZE finds."""
    out = []
    tab = qualified(schema, t.name)
    for c in t.columns:
        col = quote_ident(c.name)
        if c.stattarget is not None:
            out.append(DdlStep(f"statistics target of {t.name}.{c.name}",
                               f"ALTER TABLE {tab} ALTER COLUMN {col} SET STATISTICS {c.stattarget}", track))
        if c.options:
            out.append(DdlStep(f"options of {t.name}.{c.name}", f"ALTER TABLE {tab} ALTER COLUMN {col} SET ("
                               + ", ".join(_option(o) for o in c.options) + ")", track))
    return out


def _constraint(schema: str, t: SourceTable, c: SourceConstraint, track: str | None, after: list[Any],
                left: list[Any]) -> None:
    what = f"{_KINDS[c.type]} {c.name}"
    if c.calls_code:
        left.append((what, "calls a function, operator or operator class that is not built in: not created"))
    elif c.type == "f" and c.ref_schema != schema:
        left.append((what, f"refers to a table outside schema {schema}: not created"))
    else:
        after.append(DdlStep(what, f"ALTER TABLE {qualified(schema, t.name)} ADD CONSTRAINT {quote_ident(c.name)} "
                                   f"{c.definition}", track))
