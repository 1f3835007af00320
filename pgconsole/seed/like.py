"""`seed --like SOURCE`: a scenario shaped like a production schema, from its catalog and pg_stats.

The schema is copied from the source's own definitions (like_catalog.py, like_ddl.py:
what `pg_dump --schema-only` would write, less what runs code); the scenario's tables
are --infer's reading of the same catalog, the CHECKs of domains included, each leaf
partition a table of its own (like_parts.py). Each column's values come from its
statistics (shaped.py): row counts from reltuples, NULL
share, distinct count, most common values at their frequencies, the histogram, the
physical order; a foreign key's skew from the FK column's own statistics, as fractions
of the parent's key range. No row is read. Text values are replaced by generated ones of
the same frequencies (Faker by the column's name, as --infer picks, else letters of the
same average length) unless the column is in keep (--keep-values); numbers, times and
booleans keep the statistics' values. Columns without readable statistics, or of types
statistics do not describe (JSON, arrays, addresses...), keep --infer's rules: `fallback`
says which and why.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass
from typing import AbstractSet, Any, Callable

from ..conninfo import ConnParams
from ..db import SessionLimits, connect
from ..errors import PgConsoleError
from .. import sqlfiles
from .checks import parse_checks
from .fields import FieldSpec
from .infer import BASE_ROWS, TEXT_RULES, scenario_from_catalog
from .like_catalog import SourceColumn, SourceSchema, read_source_schema
from .like_ddl import SchemaCopy, copy_schema
from .like_parts import Bound, bounded, continue_keys, order_key, parse_bound
from .like_stats import ColumnStats, Shape, read_shape, typed
from .pgtypes import INTEGER, NUMBERS, TIMES, PgType, parse_type
from .scenario import ColumnSpec, IndexSpec, Scenario, TableSpec
from .target import Constraint, ExistingColumn, Target, read_catalog, shown, version_num

F = FieldSpec
KEYS = ("serial", "uuid", "hex")


@dataclass(frozen=True)
class Derived:
    scenario: Scenario
    shape: Shape                                   # the source's statistics (for the comparison)
    types: dict[tuple[str, str], PgType]
    fallback: tuple[tuple[str, str], ...]          # (table.column, why --infer's rules were used)
    copy: SchemaCopy | None = None                 # the source's schema as statements, partitions' routes


async def derive(params: ConnParams, schema: str, keep: AbstractSet[str] = frozenset(),
                 limits: SessionLimits | None = None, app: str = "pgconsole seed --like") -> Derived:
    conn = await connect(params, limits or SessionLimits(), application_name=app)
    try:
        target = await read_catalog(conn, schema, None)
        if not target.schema_exists:
            raise PgConsoleError(f"schema {schema!r} does not exist in the source")
        if not target.tables:
            raise PgConsoleError(f"schema {shown(None, schema)} of the source has no tables")
        shape = await read_shape(conn, schema)
        oids = [t.oid for t in target.tables.values()]
        indexes = [dict(r) for r in await conn.fetch(sqlfiles.load("seed_like_indexes", version_num(conn)), oids)]
        source = await read_source_schema(conn, schema)
    finally:
        await conn.close()
    return shape_scenario(target, shape, indexes, keep, source)


def shape_scenario(target: Target, shape: Shape, indexes: list[dict[str, Any]], keep: AbstractSet[str],
                   source: SourceSchema | None = None) -> Derived:
    """The scenario; with `source` (the schema's own definitions), the statements that copy
    it too, and each partitioned table seeded partition by partition."""
    unfilled = _unfilled(target, source) if source is not None else set()
    target = _adapted(target, source, unfilled) if source is not None else target
    base = scenario_from_catalog(target)     # keys, foreign keys, CHECKs respected: --infer's rules
    fallback: list[tuple[str, str]] = []
    types: dict[tuple[str, str], PgType] = {}
    unknown = {k for k in keep if not any(k in (c.name, f"{t.name}.{c.name}") for t in base.tables for c in t.columns)}
    if unknown:
        raise PgConsoleError(f"--keep-values: no column {sorted(unknown)[0]!r} in the source")
    tables, leaves = [], {}
    for t in base.tables:
        src = source.tables.get(t.name) if source is not None else None
        if src is None or src.kind != "p":
            tables.append(_shape_table(t, t.name, None, target, shape, base, indexes, keep, types, fallback, source))
            continue
        assert source is not None   # src is one of its tables
        parts = []
        for leaf in source.leaves(t.name):
            st = source.tables[leaf]
            assert st.parent is not None and st.bound is not None   # a partition has both
            parent = source.tables[st.parent]
            b = parse_bound(st.bound, parent.partition_key)
            kc = t.column(b.column) if b.column else None
            ktype = kc.type if kc else None
            parts.append((order_key(b, ktype), leaf, b))
        parts.sort(key=lambda x: (x[0], x[1]))
        shaped = [_shape_table(t, leaf, b, target, shape, base, indexes, keep, types, fallback, source)
                  for _, leaf, b in parts]
        tables += continue_keys(shaped, {})
        leaves[t.name] = max(shaped, key=lambda x: x.rows).name if shaped else None
    tables = [_redirect(t, leaves) for t in tables]
    scen = Scenario(name="like", description=f"shaped like schema {target.schema} (seed --like)",
                    tables=tuple(tables), path="--like")
    copy = copy_schema(source, unfilled) if source is not None else None
    return Derived(scen, shape, types, tuple(fallback), copy)


def _shape_table(t: TableSpec, name: str, bound: Bound | None, target: Target, shape: Shape, base: Scenario, indexes: list[dict[str, Any]],
                 keep: AbstractSet[str], types: dict[tuple[str, str], PgType], fallback: list[Any],
                 source: SourceSchema | None) -> TableSpec:
    """Table t (as --infer read it) shaped by the statistics of `name`: t itself, or one of
    its partitions (whose key `bound` keeps inside the partition)."""
    ts = shape.tables.get(name)
    rows = int(round(ts.rows)) if ts is not None and ts.rows > 0 else BASE_ROWS
    if ts is None or ts.rows <= 0:
        fallback.append((name, f"never analyzed: {BASE_ROWS:,} rows"))
    checks = parse_checks([c.definition for c in target.constraints if c.table_name == t.name and c.type == "c"])
    src = source.tables.get(t.name) if source is not None else None
    cols = []
    for c in t.columns:
        ec = target.tables[t.name].columns[c.name]
        c = _with_type(c, ec, src.column(c.name) if src is not None else None)
        types[(name, c.name)] = c.type
        new, why = _shape_column(t, c, ec, shape, base, checks, keep, target, name)
        if bound is not None:
            new, note = bounded(new, bound, shape.columns.get((name, c.name)))
            why = note or why
        if why:
            fallback.append((f"{name}.{c.name}", why))
        cols.append(new)
    for col, ec in target.tables[t.name].columns.items():
        if t.column(col) is not None or (source is not None and ec.generated):
            continue      # (a generated column is computed by the target, from its copied expression)
        fallback.append((f"{name}.{col}", "generated column: left out" if ec.generated
                         else f"type {ec.type}: not generated, left NULL or to its default" if source is not None
                         else f"type {ec.type} not supported: left out of the target"))
    cons = [c for c in target.constraints if c.table_name == t.name and c.table_schema == target.schema]
    table_checks = tuple(_check_body(c.definition) for c in cons if c.type == "c")
    idx = tuple(_index(ix) for ix in indexes if ix["table_oid"] == target.tables[t.name].oid)
    return dataclasses.replace(t, name=name, rows=rows, columns=tuple(cols), checks=table_checks, indexes=idx)


def _unfilled(target: Target, source: SourceSchema) -> set[tuple[str, str]]:
    """Columns the copy creates and the seeder does not generate: types it has no values for,
    and generated columns whose expression (a function not built in) is not copied."""
    out = set()
    for t in target.tables.values():
        src = source.tables.get(t.name)
        for c in t.columns.values():
            sc = src.column(c.name) if src is not None else None
            if (c.typtype != "e" and parse_type(c.base_type) is None) or (c.generated and sc and sc.calls_code):
                out.add((t.name, c.name))
    return out


def _adapted(target: Target, source: SourceSchema, unfilled: set[tuple[str, str]]) -> Target:
    """The catalog as the copy will make it, for --infer's reading: the columns it leaves NULL
    are NULLable, a domain's CHECKs are CHECKs on each column of it (VALUE: the column)."""
    tables = {}
    for name, t in target.tables.items():
        cols = {c.name: dataclasses.replace(c, not_null=False) if (name, c.name) in unfilled else c
                for c in t.columns.values()}
        tables[name] = dataclasses.replace(t, columns=cols)
    extra = []
    for name, t in target.tables.items():
        src = source.tables.get(name)
        for sc in src.columns if src is not None else ():
            dom = source.type(sc.type_oid)
            for cname, definition, calls in dom.checks if dom is not None and dom.kind == "d" else ():
                if not calls:
                    extra.append(Constraint(f"{cname} of {sc.name}", "c", name, target.schema, (sc.name,), None,
                                            None, (), False, _value_as(definition, sc.name)))
    return dataclasses.replace(target, tables=tables, constraints=target.constraints + tuple(extra))


def _value_as(definition: str, column: str) -> str:
    """A domain CHECK with VALUE (outside quotes) as the column's quoted name."""
    parts = re.split(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")", definition)
    col = '"' + column.replace('"', '""') + '"'
    return "".join(p if i % 2 else re.sub(r"\bVALUE\b", col, p) for i, p in enumerate(parts))


def _redirect(t: TableSpec, leaves: dict[str, str | None]) -> TableSpec:
    """A foreign key to a partitioned table refers to its largest partition: its keys exist
    in the table, as the constraint demands."""
    cols = []
    for c in t.columns:
        if c.spec.gen == "ref":
            ptable, pcol = c.spec.params["ref"].split(".")
            if leaves.get(ptable):
                c = dataclasses.replace(c, spec=dataclasses.replace(
                    c.spec, params={**c.spec.params, "ref": f"{leaves[ptable]}.{pcol}"}))
        cols.append(c)
    return dataclasses.replace(t, columns=tuple(cols))


def _with_type(c: ColumnSpec, ec: ExistingColumn, sc: SourceColumn | None = None) -> ColumnSpec:
    """The column as a scenario spells it: enums become text (their labels are the choices),
    a default is kept unless it draws from a sequence or calls code that is not built in."""
    t = c.type if c.type.sql else parse_type("text")
    assert t is not None   # "text" parses
    default = ec.default_expr if ec.default_expr and "nextval(" not in ec.default_expr and not ec.identity else None
    if sc is not None and sc.calls_code:
        default = None
    return dataclasses.replace(c, type=t, default=default)


def _check_body(definition: str) -> str:
    body = re.sub(r"\s+NOT VALID$", "", definition.strip())
    return body[len("CHECK "):] if body.startswith("CHECK ") else body


def _index(ix: dict[str, Any]) -> IndexSpec:
    keys = list(ix["keys"])
    simple = not ix["has_expression"] and all(re.fullmatch(r'[a-z_][a-z0-9_$]*|"(?:[^"]|"")+"', k) for k in keys)
    cols = tuple(k[1:-1].replace('""', '"') if k.startswith('"') else k for k in keys) if simple else ()
    return IndexSpec(columns=cols, expression=None if simple else ", ".join(keys),
                     using=None if ix["method"] == "btree" else ix["method"], where=ix["predicate"],
                     unique=ix["is_unique"])


def _shape_column(t: TableSpec, c: ColumnSpec, ec: ExistingColumn, shape: Shape, base: Scenario, checks: dict[str, Any], keep: AbstractSet[str],
                  target: Target, name: str | None = None) -> tuple[ColumnSpec, str]:
    """The column with a shaped generator (by the statistics of table `name`, t's own or a
    partition's), or as --infer made it and why."""
    s, fam, name = c.spec, c.type.family, name or t.name
    if s.gen in KEYS or c.unique or t.primary_key == (c.name,) or (c.name,) in t.unique:
        return c, ""                                   # keys: generated unique, as the source's are
    composite = [k for k in (t.primary_key,) + t.unique if len(k) > 1 and c.name in k]
    if any(not any((cm := t.column(m)) is not None and cm.spec.gen in KEYS for m in k) for k in composite):
        return _enumerated(c, shape.columns.get((name, c.name)), checks.get(c.name, {})), \
            "part of a composite key: enumerated, so that the key stays unique"
    if s.gen in ("same_as", "above") or checks.get(c.name, {}).get("after"):
        return c, ""                                   # a fact a CHECK or two foreign keys require
    st = shape.columns.get((name, c.name))
    if st is None:
        seen = any(k[0] == name for k in shape.columns)
        return c, ("statistics not readable (SELECT on the column, or run as its owner)" if seen
                   else "no statistics (table never analyzed, or not readable)")
    null = st.null_frac if c.nullable else 0.0
    if s.gen == "ref":
        return _shape_ref(c, st, null, shape, base, target)
    if s.gen == "choice" and (ec.enum_labels or checks.get(c.name, {}).get("choice")):
        return _shape_choice(c, st, null)
    if fam in NUMBERS + TIMES + ("bool",):
        mcv = [typed(c.type, v) for v in st.mcv]
        hist = [typed(c.type, v) for v in st.histogram]
        if any(v is None for v in mcv + hist):
            return c, "statistics values unreadable for its type"
        p = {"mcv": [[v, f] for v, f in zip(mcv, st.mcv_freqs)], "n_distinct": st.n_distinct,
             "order": round(st.correlation or 0.0, 3)}
        if len(hist) >= 2:
            p["histogram"] = hist
        return _shaped(c, p, null), ""
    if fam == "text":
        kept = c.name in keep or f"{t.name}.{c.name}" in keep
        length = max(1, min(500, st.avg_width - (1 if st.avg_width < 127 else 4)))   # less the header
        p = {"n_distinct": st.n_distinct, "order": round(st.correlation or 0.0, 3), "length": length}
        if kept:
            p["mcv"] = [[v, f] for v, f in zip(st.mcv, st.mcv_freqs) if v is not None]
            if len(st.histogram) >= 2:
                p["histogram"] = list(st.histogram)
        else:
            p["mcv_freqs"] = list(st.mcv_freqs)
            p["faker"] = _provider(c.name) or ("word" if length <= 12 else "sentence" if length <= 200 else "paragraph")
        return _shaped(c, p, null), ""
    return c, f"type {c.type.sql}: --infer's rules (statistics do not describe its values)"


def _enumerated(c: ColumnSpec, st: ColumnStats | None, check: dict[str, Any]) -> ColumnSpec:
    """A member of a composite key without a key generator among its columns: values the
    plan can enumerate (an integer over the range the statistics or a CHECK give)."""
    if c.spec.gen in ("ref", "choice", "bool", "const", "faker") or c.type.family not in INTEGER:
        return c
    known = [typed(c.type, v) for v in (st.histogram + st.mcv if st is not None else [])]
    known = [v for v in known if v is not None]
    lo = min(known) if known else check.get("min", 0) + 1 if check.get("strict_min", True) else check["min"]
    hi = max(known) if known else check.get("max", lo + 999)
    return dataclasses.replace(c, spec=F("uniform", {"min": int(lo), "max": int(max(hi, lo))}, null=c.spec.null))


def _shaped(c: ColumnSpec, p: dict[str, Any], null: float) -> ColumnSpec:
    return dataclasses.replace(c, spec=F("shaped", p, null=round(null, 4)))


def _provider(name: str) -> str | None:
    for pattern, provider in TEXT_RULES:
        if re.search(pattern, name.lower()) and provider not in ("ipv4", "country_code", "paragraph", "word"):
            return provider
    return None


def _shape_choice(c: ColumnSpec, st: ColumnStats, null: float) -> tuple[ColumnSpec, str]:
    """Enum labels or a CHECK's IN list: the labels (schema, not data) at their frequencies."""
    labels = c.spec.params["choice"]
    labels = list(labels) if not isinstance(labels, dict) else list(labels.keys())
    freq = {v: f for v, f in zip(st.mcv, st.mcv_freqs) if v is not None}
    left = [x for x in labels if str(x) not in freq]
    rest = max(0.0, 1.0 - st.null_frac - sum(freq.values()))
    weights = {str(x): freq.get(str(x), rest / len(left) if left else 0.0) for x in labels}
    if sum(weights.values()) <= 0:
        return c, "no frequencies for its values"
    choice = {k: round(v, 6) for k, v in weights.items() if v > 0} or {str(labels[0]): 1}
    if not all(isinstance(x, str) for x in labels):   # numbers: a list with weights
        kept = [x for x in labels if weights[str(x)] > 0]
        return dataclasses.replace(c, spec=F("choice", {"choice": kept, "weights": [weights[str(x)] for x in kept]},
                                             null=round(null, 4))), ""
    return dataclasses.replace(c, spec=F("choice", {"choice": choice}, null=round(null, 4))), ""


def _shape_ref(c: ColumnSpec, st: ColumnStats, null: float, shape: Shape, base: Scenario,
               target: Target) -> tuple[ColumnSpec, str]:
    """A foreign key with the skew of the source's FK column: its values as fractions of the
    parent's key range (the parent's own statistics give the range)."""
    p = c.spec.params
    if p.get("group"):
        return c, "part of a composite foreign key: the key of a parent row, picked uniformly (the pair exists there)"
    ptable, pcol = p["ref"].split(".")
    pst = shape.columns.get((ptable, pcol))
    pt = base.table_named(ptable).column_named(pcol).type
    frac = _fraction(pt, pst)
    if frac is None:
        return c, "parent key range unknown (no statistics, or not a number or uuid): Zipf skew"
    mcv_read, hist_read = [frac(v) for v in st.mcv], [frac(v) for v in st.histogram]
    mcv = [v for v in mcv_read if v is not None]
    hist = [v for v in hist_read if v is not None]
    if len(mcv) != len(mcv_read) or len(hist) != len(hist_read):   # a None among them
        return c, "statistics values unreadable for its type"
    shaped = {"ref": p["ref"], "dist": "shaped", "mcv": [[round(v, 9), f] for v, f in zip(mcv, st.mcv_freqs)],
              "n_distinct": st.n_distinct, "order": round(st.correlation or 0.0, 3)}
    if len(hist) >= 2:
        shaped["histogram"] = [round(v, 9) for v in hist]
    return dataclasses.replace(c, spec=F("ref", shaped, null=round(null, 4))), ""


def _fraction(t: PgType, st: ColumnStats | None) -> Callable[[Any], float | None] | None:
    if t.family == "uuid":
        def frac_uuid(v: Any) -> float | None:
            try:
                return uuid.UUID(v).int / float(1 << 128)
            except (TypeError, ValueError, AttributeError):
                return None
        return frac_uuid
    if t.family not in INTEGER + ("numeric",) or st is None:
        return None
    known = [float(x) for x in st.histogram + [m for m in st.mcv if m is not None]]
    if len(known) < 2 or max(known) == min(known):
        return None
    lo, hi = min(known), max(known)

    def frac(v: Any) -> float | None:
        try:
            return min(1.0, max(0.0, (float(v) - lo) / (hi - lo)))
        except (TypeError, ValueError):
            return None
    return frac
