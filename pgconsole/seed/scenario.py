"""Scenario files: TOML in seeds/, read with tomllib and checked before anything is written.

Every problem is reported as one line naming the file, the table, the column and the
field, e.g. `seeds/shop.toml: table orders, column total: field 'dist': unknown ...`.
The format is documented in the README (section "seed").
"""

from __future__ import annotations

import importlib.resources
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import did_you_mean
from .fields import COMMON_KEYS, FieldSpec, ScenarioError, Where, check_keys, check_num, parse_field
from .pgtypes import INTEGER, TIMES, PgType, parse_type

from .fields import time_bound  # noqa: E402

__all__ = ["ColumnSpec", "FieldSpec", "IndexSpec", "Scenario", "ScenarioError", "ScenarioInfo", "TableSpec",
           "find_scenario", "list_scenarios", "load_scenario", "parse_scenario", "seeds_dir"]

SEEDS_ENV = "PGCONSOLE_SEEDS"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: PgType
    spec: FieldSpec
    unique: bool = False
    nullable: bool = False
    default: str | None = None


@dataclass(frozen=True)
class IndexSpec:
    columns: tuple[str, ...] = ()
    expression: str | None = None
    using: str | None = None
    where: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    rows: int
    columns: tuple[ColumnSpec, ...]
    scales: bool = True
    primary_key: tuple[str, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[IndexSpec, ...] = ()
    checks: tuple[str, ...] = ()

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)

    def column_named(self, name: str) -> ColumnSpec:
        """A column it is known to have (checked when the scenario was read)."""
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    tables: tuple[TableSpec, ...]
    path: str = ""
    locale: str = "en_US"

    def table(self, name: str) -> TableSpec | None:
        return next((t for t in self.tables if t.name == name), None)

    def table_named(self, name: str) -> TableSpec:
        """A table it is known to have (checked when the scenario was read)."""
        return next(t for t in self.tables if t.name == name)


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str
    path: str


# -- finding scenarios ---------------------------------------------------------

def seeds_dir() -> Path:
    """PGCONSOLE_SEEDS; else the scenarios an installed pgconsole ships as package data
    (setup.py copies seeds/ there); else seeds/ of the checkout (an editable install)."""
    env = os.environ.get(SEEDS_ENV)
    if env:
        return Path(env)
    shipped = importlib.resources.files("pgconsole") / "scenarios"
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "seeds"


def list_scenarios() -> list[ScenarioInfo]:
    out = []
    for p in sorted(seeds_dir().glob("*.toml")):
        try:
            desc = str(tomllib.loads(p.read_text(encoding="utf-8")).get("description", ""))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            desc = f"(unreadable: {exc})"
        out.append(ScenarioInfo(p.stem, " ".join(desc.split()), str(p)))
    return out


def find_scenario(name_or_path: str) -> Path:
    p = Path(name_or_path).expanduser()
    if p.suffix == ".toml" or os.sep in name_or_path or p.exists():
        if not p.is_file():
            raise ScenarioError(f"{name_or_path}: no such scenario file")
        return p
    cand = seeds_dir() / f"{name_or_path}.toml"
    if cand.is_file():
        return cand
    names = [s.name for s in list_scenarios()]
    raise ScenarioError(f"no scenario named {name_or_path!r} in {seeds_dir()}"
                        + (did_you_mean(name_or_path, names, "pgconsole seed --list") if names else " (none there)"))


def load_scenario(name_or_path: str) -> Scenario:
    path = find_scenario(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    return parse_scenario(data, path.stem, str(path))


# -- validation -------------------------------------------------------------------

def parse_scenario(data: dict[str, Any], name: str, path: str = "<scenario>") -> Scenario:
    w = Where(path)
    check_keys(w, data, {"description", "locale", "tables"}, "the scenario")
    desc = data.get("description")
    if not isinstance(desc, str) or not desc.strip():
        w.fail("description", "missing: a scenario needs a one-line description")
    tables = data.get("tables")
    if not isinstance(tables, dict) or not tables:
        w.fail("tables", "missing: define at least one [tables.NAME]")
    locale = data.get("locale", "en_US")
    if not isinstance(locale, str):
        w.fail("locale", "must be a string such as 'en_US'")
    specs = tuple(_parse_table(w.at(table=t), t, body) for t, body in tables.items())
    scen = Scenario(name=name, description=" ".join(desc.split()), tables=specs, path=path, locale=locale)
    _check_refs(w, scen)
    return scen


def _parse_table(w: Where, name: str, body: object) -> TableSpec:
    if not isinstance(body, dict):
        w.fail(None, "must be a table ([tables.NAME])")
    check_keys(w, body, {"rows", "scales", "columns", "primary_key", "unique", "indexes", "checks"}, "a table")
    if "rows" not in body:
        w.fail("rows", "missing: how many rows at --scale 1")
    rows = check_num(w, body, "rows", 0, None, integer=True)
    cols = body.get("columns")
    if not isinstance(cols, dict) or not cols:
        w.fail("columns", "missing: define [tables.NAME.columns]")
    columns = tuple(_parse_column(w.at(column=c), c, spec) for c, spec in cols.items())
    names = {c.name for c in columns}

    def colset(fieldname: str, v: object) -> tuple[str, ...]:
        v = [v] if isinstance(v, str) else v
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            w.fail(fieldname, "must be a column name or a list of column names")
        for c in v:
            if c not in names:
                w.fail(fieldname, f"no column {c!r} in this table")
        return tuple(v)

    pk = colset("primary_key", body["primary_key"]) if "primary_key" in body else ()
    uniq = tuple(colset("unique", u) for u in _as_list(w, body, "unique"))
    indexes = []
    for ix in _as_list(w, body, "indexes"):
        if isinstance(ix, dict):
            check_keys(w, ix, {"columns", "expression", "using", "where", "unique"}, "an index")
            if ("columns" in ix) == ("expression" in ix):
                w.fail("indexes", "an index needs either 'columns' or 'expression'")
            cols_ = colset("indexes", ix["columns"]) if "columns" in ix else ()
            for k in ("expression", "using", "where"):
                if k in ix and not isinstance(ix[k], str):
                    w.fail("indexes", f"'{k}' must be a string")
            indexes.append(IndexSpec(cols_, ix.get("expression"), ix.get("using"), ix.get("where"),
                                     bool(ix.get("unique", False))))
        else:
            indexes.append(IndexSpec(colset("indexes", ix)))
    checks = _as_list(w, body, "checks")
    if not all(isinstance(c, str) and c.strip() for c in checks):
        w.fail("checks", "must be a list of SQL boolean expressions")
    scales = body.get("scales", True)
    if not isinstance(scales, bool):
        w.fail("scales", "must be true or false")
    return TableSpec(name, rows, columns, scales, pk, uniq, tuple(indexes), tuple(checks))


def _as_list(w: Where, body: dict[str, Any], key: str) -> list[Any]:
    v = body.get(key, [])
    if not isinstance(v, list):
        w.fail(key, "must be a list")
    return v


def _parse_column(w: Where, name: str, spec: object) -> ColumnSpec:
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        w.fail(None, "must be an inline table such as { type = \"text\", faker = \"name\" }")
    if "type" not in spec:
        w.fail("type", "missing: the PostgreSQL type, e.g. \"text\" or \"bigint\"")
    if not isinstance(spec["type"], str):
        w.fail("type", "must be a string")
    ptype = parse_type(spec["type"])
    if ptype is None:
        w.fail("type", f"unsupported type {spec['type']!r}")
    fs = parse_field(w, spec, ptype, COMMON_KEYS)
    unique = spec.get("unique", False)
    if not isinstance(unique, bool):
        w.fail("unique", "must be true or false")
    nullable = spec.get("nullable", fs.null > 0)
    if not isinstance(nullable, bool):
        w.fail("nullable", "must be true or false")
    if fs.null > 0 and not nullable:
        w.fail("nullable", "cannot be false with a null fraction above 0")
    default = spec.get("default")
    if default is not None and not isinstance(default, str):
        w.fail("default", "must be an SQL expression in a string")
    return ColumnSpec(name, ptype, fs, unique, nullable, default)


def time_sources(spec: FieldSpec) -> list[Any]:
    """What a timestamp column is computed from: column names, "fk.col" paths, dates."""
    p = spec.params
    if spec.gen != "timestamp":
        return []
    return [p["after"]] if "after" in p else list(p["between"]) if "between" in p else []


def paths(spec: FieldSpec) -> list[tuple[str, str]]:
    """(fk column, parent column) of the parent rows' values a column takes or is bounded by."""
    if spec.gen == "same_as":
        return [_pair(spec.params["same_as"])]
    return [_pair(x) for x in time_sources(spec) if isinstance(x, str) and "." in x]


def _pair(path: str) -> tuple[str, str]:
    fk, col = path.split(".")   # "fk.col" (checked when read)
    return fk, col


def row_deps(spec: FieldSpec) -> list[str]:
    """Columns of the same row a column is computed from (generated before it): the other
    column of an after/between/above, the foreign key of a parent path."""
    if spec.gen == "above":
        return [spec.params["above"]]
    out = [fk for fk, _ in paths(spec)]
    out += [x for x in time_sources(spec) if isinstance(x, str) and "." not in x and time_bound(x) is None]
    return list(dict.fromkeys(out))


def _check_row_deps(w: Where, scen: Scenario, t: TableSpec) -> None:
    for c in t.columns:
        s = c.spec
        field = "after" if "after" in s.params else "between"
        for x in time_sources(s):
            if not isinstance(x, str) or time_bound(x) is not None:
                continue
            if "." in x:
                _check_path(w.at(t.name, c.name), field, scen, t, c, x, time=True)
                continue
            other = t.column(x)
            if other is None or other.type.family not in TIMES or other.name == c.name:
                w.at(t.name, c.name).fail(field, f"no other timestamp column {x!r}")
        if s.gen == "same_as":
            _check_path(w.at(t.name, c.name), "same_as", scen, t, c, s.params["same_as"], time=False)
        if s.gen == "above":
            other = t.column(s.params["above"])
            if other is None or other.name == c.name or not _same_number_kind(other.type, c.type):
                w.at(t.name, c.name).fail("above", f"no other column {s.params['above']!r} of a number type like "
                                                   f"{c.type.sql}")
    deps = {c.name: row_deps(c.spec) for c in t.columns}
    for c in t.columns:   # a after b after a: no
        seen, todo = set(), list(deps[c.name])
        while todo:
            d = todo.pop()
            if d == c.name:
                field = "after" if c.spec.gen == "timestamp" else c.spec.gen
                w.at(t.name, c.name).fail(field, "columns cannot be computed from each other in a loop")
            if d not in seen:
                seen.add(d)
                todo.extend(deps.get(d, ()))


def _check_path(w: Where, field: str, scen: Scenario, t: TableSpec, c: ColumnSpec, path: str, time: bool) -> None:
    fk_name, pcol_name = path.split(".")
    fk = t.column(fk_name)
    if fk is None or fk.spec.gen != "ref":
        w.fail(field, f"{fk_name!r} is not a foreign key column (ref = ...) of this table")
    ptable = scen.table(fk.spec.params["ref"].split(".")[0])
    if ptable is None or ptable.name == t.name:
        w.fail(field, f"{fk_name} must refer to another table")
    pc = ptable.column(pcol_name)
    if pc is None:
        w.fail(field, f"table {ptable.name!r} has no column {pcol_name!r}")
    if time and pc.type.family not in TIMES:
        w.fail(field, f"{ptable.name}.{pcol_name} is not a timestamp column")
    if not time:
        same = pc.type.family == c.type.family and (pc.type.family != "numeric" or pc.type.scale == c.type.scale)
        if not same or pc.type.elem != c.type.elem:
            w.fail(field, f"{ptable.name}.{pcol_name} is {pc.type.sql}, this column is {c.type.sql}")
        if pc.nullable and not c.nullable:
            w.fail(field, f"{ptable.name}.{pcol_name} can be NULL: this column needs nullable = true")
    placed = fk.spec.params.get("dist", "uniform") in ("sequential", "even")
    if c.spec.params.get("mode") == "sequential" and not placed:
        w.fail("mode", f"\"sequential\" needs {fk_name} to place a parent's rows in order "
                       f"(dist = \"sequential\" or \"even\")")


def _check_cycles(w: Where, scen: Scenario) -> None:
    """No column may depend on itself through other tables (a.x after b_id.y, b.y after a_id.x)."""
    deps: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for t in scen.tables:
        for c in t.columns:
            out = [(t.name, d) for d in row_deps(c.spec)]
            for fk, pcol in paths(c.spec):
                fkc = t.column_named(fk)
                out.append((fkc.spec.params["ref"].split(".")[0], pcol))
            deps[(t.name, c.name)] = out
    state: dict[tuple[str, str], int] = {}

    def visit(node: tuple[str, str], trail: list[tuple[str, str]]) -> None:
        if state.get(node) == 1:
            return
        if state.get(node) == 0:
            w.at(*node).fail(None, "is computed from itself through " + " -> ".join(f"{a}.{b}" for a, b in trail))
        state[node] = 0
        for d in deps.get(node, ()):
            visit(d, trail + [d])
        state[node] = 1

    for node in deps:
        visit(node, [node])


def _same_number_kind(a: PgType, b: PgType) -> bool:
    if a.family in INTEGER and b.family in INTEGER:
        return True
    if a.family == b.family == "numeric":
        return (a.scale if a.scale is not None else 2) == (b.scale if b.scale is not None else 2)
    return a.family == b.family and a.family in ("float4", "float8")


def _check_refs(w: Where, scen: Scenario) -> None:
    for t in scen.tables:
        _check_row_deps(w, scen, t)
    _check_cycles(w, scen)
    for t in scen.tables:
        for c in t.columns:
            s = c.spec
            if s.gen != "ref":
                continue
            wt = w.at(t.name, c.name)
            tname, cname = s.params["ref"].split(".")
            parent = scen.table(tname)
            if parent is None:
                wt.fail("ref", f"no table {tname!r} in this scenario")
            pc = parent.column(cname)
            if pc is None:
                wt.fail("ref", f"table {tname!r} has no column {cname!r}")
            if not _compatible(pc.type, c.type):
                wt.fail("ref", f"{tname}.{cname} is {pc.type.sql}, this column is {c.type.sql}")
            keyed = parent.primary_key == (cname,) or pc.unique or (cname,) in parent.unique
            if s.params.get("group"):   # a composite foreign key's column: a member of a composite key
                keyed = keyed or any(cname in k for k in (parent.primary_key,) + parent.unique)
            if not keyed:
                wt.fail("ref", f"{tname}.{cname} must be the primary key or a unique column")
            if parent.rows == 0 and t.rows > 0:
                wt.fail("ref", f"table {tname!r} gets no rows to refer to")


def _compatible(parent: PgType, child: PgType) -> bool:
    if parent.family in INTEGER and child.family in INTEGER:
        return True
    return parent.family == child.family and parent.family not in ("json", "jsonb", "array")
