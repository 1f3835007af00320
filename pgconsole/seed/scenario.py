"""Scenario files: TOML in seeds/, read with tomllib and checked before anything is written.

Every problem is reported as one line naming the file, the table, the column and the
field, e.g. `seeds/shop.toml: table orders, column total: field 'dist': unknown ...`.
The format is documented in the README (section "seed").
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PgConsoleError
from . import distributions as D
from .pgtypes import INTEGER, NUMBERS, TIMES, PgType, parse_type

SEEDS_ENV = "PGCONSOLE_SEEDS"
COMMON_KEYS = {"type", "gen", "null", "unique", "nullable", "default"}
FIELD_KEYS = {"gen", "null", "omit"}
SHORTHANDS = {"faker": "faker", "choice": "choice", "ref": "ref", "json": "json", "value": "const"}
_ANY = None
_TIMEKEYS = {"start", "end", "mode", "jitter", "power", "after", "min_delay", "max_delay"}
# gen -> (families it can fill (None: any), required fields, optional fields)
GENS: dict[str, tuple[tuple[str, ...] | None, set[str], set[str]]] = {
    "serial": (INTEGER + ("numeric", "text"), set(), {"start", "step", "format"}),
    "uuid": (("uuid", "text"), set(), set()),
    "hex": (("text",), set(), {"length"}),
    "faker": (_ANY, {"faker"}, {"args", "pool"}),
    "choice": (_ANY, {"choice"}, {"weights"}),
    "bool": (("bool",), set(), {"p"}),
    "timestamp": (TIMES, set(), _TIMEKEYS),
    "ref": (_ANY, {"ref"}, {"dist", "s"}),
    "json": (("json", "jsonb"), {"json"}, set()),
    "list": (("array",), {"item"}, {"min", "max"}),
    "const": (_ANY, {"value"}, set()),
    "ipv4": (("inet", "text"), set(), set()),
    **{name: (NUMBERS, req, opt | {"decimals"}) for name, (req, opt) in D.NUMERIC.items()},
}
JSON_GENS = set(GENS) - {"ref"}
TIME_MODES = ("uniform", "sequential", "recent")


class ScenarioError(PgConsoleError):
    pass


@dataclass(frozen=True)
class FieldSpec:
    """A generator: a table column's values, or one key of a JSON column."""
    gen: str
    params: dict
    null: float = 0.0
    omit: float = 0.0                      # JSON keys only: fraction of rows without the key
    fields: tuple[tuple[str, FieldSpec], ...] = ()   # json: the object's keys
    item: FieldSpec | None = None          # list: the element generator


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


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    tables: tuple[TableSpec, ...]
    path: str = ""
    locale: str = "en_US"

    def table(self, name: str) -> TableSpec | None:
        return next((t for t in self.tables if t.name == name), None)


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str
    path: str


# -- finding scenarios ---------------------------------------------------------

def seeds_dir() -> Path:
    env = os.environ.get(SEEDS_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "seeds"


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
    names = ", ".join(s.name for s in list_scenarios()) or "none"
    raise ScenarioError(f"no scenario named {name_or_path!r} in {seeds_dir()} (available: {names})")


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

class _Where:
    def __init__(self, path: str, table: str | None = None, column: str | None = None):
        self.path, self.table, self.column = path, table, column

    def at(self, table=None, column=None) -> _Where:
        return _Where(self.path, table or self.table, column or self.column)

    def fail(self, fieldname: str | None, msg: str):
        parts = [self.path]
        if self.table:
            parts.append(f"table {self.table}" + (f", column {self.column}" if self.column else ""))
        if fieldname:
            parts.append(f"field '{fieldname}'")
        raise ScenarioError(": ".join(parts) + ": " + msg)


def _keys(where: _Where, d: dict, allowed: set[str], what: str) -> None:
    for k in d:
        if k not in allowed:
            where.fail(k, f"unknown field in {what} (allowed: {', '.join(sorted(allowed))})")


def _num(where: _Where, d: dict, key: str, lo=None, hi=None, integer=False):
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        where.fail(key, f"must be {'an integer' if integer else 'a number'}, not {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        where.fail(key, f"must be between {lo} and {hi}, not {v!r}")
    return v


def parse_scenario(data: dict, name: str, path: str = "<scenario>") -> Scenario:
    w = _Where(path)
    _keys(w, data, {"description", "locale", "tables"}, "the scenario")
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


def _parse_table(w: _Where, name: str, body) -> TableSpec:
    if not isinstance(body, dict):
        w.fail(None, "must be a table ([tables.NAME])")
    _keys(w, body, {"rows", "scales", "columns", "primary_key", "unique", "indexes", "checks"}, "a table")
    if "rows" not in body:
        w.fail("rows", "missing: how many rows at --scale 1")
    rows = _num(w, body, "rows", 0, None, integer=True)
    cols = body.get("columns")
    if not isinstance(cols, dict) or not cols:
        w.fail("columns", "missing: define [tables.NAME.columns]")
    columns = tuple(_parse_column(w.at(column=c), c, spec) for c, spec in cols.items())
    names = {c.name for c in columns}

    def colset(fieldname, v) -> tuple[str, ...]:
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
            _keys(w, ix, {"columns", "expression", "using", "where", "unique"}, "an index")
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


def _as_list(w: _Where, body: dict, key: str) -> list:
    v = body.get(key, [])
    if not isinstance(v, list):
        w.fail(key, "must be a list")
    return v


def _parse_column(w: _Where, name: str, spec) -> ColumnSpec:
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
    fs = _parse_field(w, spec, ptype, COMMON_KEYS)
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


def _default_gen(ptype: PgType | None) -> str | None:
    if ptype is None:
        return None
    return {"uuid": "uuid", "bool": "bool", "timestamp": "timestamp", "date": "timestamp",
            "inet": "ipv4"}.get(ptype.family)


def _parse_field(w: _Where, spec: dict, ptype: PgType | None, common: set[str]) -> FieldSpec:
    """Parse a generator; ptype is None for a key inside a JSON column."""
    shorthand = [k for k in SHORTHANDS if k in spec]
    gen = spec.get("gen")
    if gen is None:
        if len(shorthand) > 1:
            w.fail(shorthand[1], f"give only one of {', '.join(shorthand)}")
        gen = SHORTHANDS[shorthand[0]] if shorthand else _default_gen(ptype)
        if gen is None:
            w.fail("gen", f"missing: say how to generate it (gen = one of {', '.join(sorted(GENS))}, "
                          f"or faker = \"provider\", choice = [...], ref = \"table.column\")")
    if not isinstance(gen, str) or gen not in GENS or (ptype is None and gen not in JSON_GENS):
        allowed = sorted(GENS if ptype is not None else JSON_GENS)
        w.fail("gen", f"unknown generator {gen!r} (one of {', '.join(allowed)})")
    families, required, optional = GENS[gen]
    _keys(w, spec, common | required | optional, f"a '{gen}' column" if ptype else f"a '{gen}' JSON key")
    for r in sorted(required):
        if r not in spec:
            w.fail(r, f"missing: the '{gen}' generator needs it")
    if ptype is not None and families is not None and ptype.family not in families:
        w.fail("gen", f"'{gen}' cannot fill a column of type {ptype.sql}")
    null = _num(w, spec, "null", 0, 1) if "null" in spec else 0.0
    omit = _num(w, spec, "omit", 0, 1) if "omit" in spec else 0.0
    params = {k: v for k, v in spec.items() if k not in COMMON_KEYS | FIELD_KEYS}
    _check_params(w, gen, params, ptype)
    fields: tuple = ()
    item = None
    if gen == "json":
        if not isinstance(params["json"], dict) or not params["json"]:
            w.fail("json", "must be an inline table of keys, e.g. { plan = { choice = [\"a\", \"b\"] } }")
        out = []
        for key, sub in params["json"].items():
            if not isinstance(sub, dict):
                w.fail("json", f"key {key!r} must be an inline table describing its generator")
            out.append((key, _parse_field(_Where(w.path, w.table, f"{w.column}.{key}"), sub, None, FIELD_KEYS)))
        fields = tuple(out)
    if gen == "list":
        if not isinstance(params["item"], dict):
            w.fail("item", "must be an inline table describing the element generator")
        elem = ptype.elem if ptype is not None else None
        item = _parse_field(w, params["item"], elem, FIELD_KEYS if elem is None else {"gen"})
    return FieldSpec(gen, params, float(null), float(omit), fields, item)


def _check_params(w: _Where, gen: str, p: dict, ptype: PgType | None) -> None:
    fam = ptype.family if ptype else None
    if gen in D.NUMERIC:
        for k in p:
            if k != "decimals":
                _num(w, p, k)
        if "min" in p and "max" in p and p["min"] > p["max"]:
            w.fail("max", "must not be below min")
        if gen == "zipf" and not (isinstance(p["min"], int) and isinstance(p["max"], int)):
            w.fail("min", "zipf draws integers: min and max must be integers")
        if "decimals" in p:
            _num(w, p, "decimals", 0, 12, integer=True)
    elif gen == "serial":
        for k in ("start", "step"):
            if k in p:
                _num(w, p, k, integer=True)
        if p.get("step", 1) == 0:
            w.fail("step", "must not be 0")
        if "format" in p and (not isinstance(p["format"], str) or "{" not in p["format"]):
            w.fail("format", "must be a string with a {} placeholder, e.g. \"INV-{:08d}\"")
        if "format" in p:
            try:
                p["format"].format(1)
            except (ValueError, IndexError, KeyError) as exc:
                w.fail("format", f"not a valid format string: {exc}")
    elif gen == "hex":
        if "length" in p:
            _num(w, p, "length", 1, 256, integer=True)
        if ptype is not None and ptype.max_len is not None and p.get("length", 32) > ptype.max_len:
            w.fail("length", f"{p.get('length', 32)} characters do not fit in {ptype.sql}")
    elif gen == "faker":
        if not isinstance(p["faker"], str) or not p["faker"].isidentifier():
            w.fail("faker", "must be a Faker provider name such as \"name\" or \"email\"")
        if "args" in p and not isinstance(p["args"], dict):
            w.fail("args", "must be an inline table of keyword arguments")
        if "pool" in p:
            _num(w, p, "pool", 1, 1_000_000, integer=True)
    elif gen == "choice":
        _check_choice(w, p)
    elif gen == "bool":
        if "p" in p:
            _num(w, p, "p", 0, 1)
    elif gen == "timestamp":
        _check_time(w, p, fam)
    elif gen == "ref":
        if not isinstance(p["ref"], str) or p["ref"].count(".") != 1:
            w.fail("ref", "must be \"table.column\"")
        dist = p.get("dist", "uniform")
        if dist not in D.REF_DISTS:
            w.fail("dist", f"unknown {dist!r} (one of {', '.join(D.REF_DISTS)})")
        if "s" in p:
            _num(w, p, "s", 0.01, 10)
    elif gen == "list":
        for k in ("min", "max"):
            if k in p:
                _num(w, p, k, 0, 1000, integer=True)
        if p.get("min", 0) > p.get("max", 3):
            w.fail("max", "must not be below min")


def _check_choice(w: _Where, p: dict) -> None:
    c = p["choice"]
    if isinstance(c, dict):
        if "weights" in p:
            w.fail("weights", "give weights either in the choice table or as 'weights', not both")
        if not c:
            w.fail("choice", "must not be empty")
        for k, v in c.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                w.fail("choice", f"weight of {k!r} must be a non-negative number")
        if sum(c.values()) <= 0:
            w.fail("choice", "weights must not all be 0")
        return
    if not isinstance(c, list) or not c:
        w.fail("choice", "must be a non-empty list of values or a table of value = weight")
    if "weights" in p:
        ws = p["weights"]
        if (not isinstance(ws, list) or len(ws) != len(c)
                or any(isinstance(x, bool) or not isinstance(x, (int, float)) or x < 0 for x in ws)):
            w.fail("weights", f"must be a list of {len(c)} non-negative numbers")
        if sum(ws) <= 0:
            w.fail("weights", "must not all be 0")


def _time_value(w: _Where, p: dict, key: str) -> dt.datetime:
    v = p[key]
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v)
        except ValueError:
            w.fail(key, f"not a date or timestamp: {v!r} (use 2024-01-31 or 2024-01-31T12:00:00Z)")
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    if not isinstance(v, dt.datetime):
        w.fail(key, f"not a date or timestamp: {v!r}")
    return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)


def _check_time(w: _Where, p: dict, fam: str | None) -> None:
    mode = p.get("mode", "uniform")
    if mode not in TIME_MODES:
        w.fail("mode", f"unknown {mode!r} (one of {', '.join(TIME_MODES)})")
    if "after" in p:
        if not isinstance(p["after"], str):
            w.fail("after", "must be the name of another timestamp column")
        if fam is None:
            w.fail("after", "not available inside a JSON column")
        for k in ("start", "end", "mode", "jitter", "power"):
            if k in p:
                w.fail(k, "not used with 'after' (use min_delay and max_delay)")
    else:
        for k in ("start", "end"):
            if k not in p:
                w.fail(k, "missing: the time range (or 'after' another column)")
        if _time_value(w, p, "start") >= _time_value(w, p, "end"):
            w.fail("end", "must be after start")
    for k in ("jitter", "min_delay", "max_delay"):
        if k in p:
            try:
                if D.duration_us(p[k]) < 0:
                    w.fail(k, "must not be negative")
            except ValueError as exc:
                w.fail(k, str(exc))
    if "power" in p:
        _num(w, p, "power", 0.01, 100)


def time_range_us(p: dict) -> tuple[int, int]:
    """start and end of a validated timestamp generator, as microseconds since 2000-01-01."""
    from .encode import timestamp_us
    w = _Where("")
    return timestamp_us(_time_value(w, p, "start")), timestamp_us(_time_value(w, p, "end"))


def _check_refs(w: _Where, scen: Scenario) -> None:
    for t in scen.tables:
        for c in t.columns:
            s = c.spec
            if s.gen == "timestamp" and "after" in s.params:
                other = t.column(s.params["after"])
                if other is None or other.type.family not in TIMES or other.name == c.name:
                    w.at(t.name, c.name).fail("after", f"no other timestamp column {s.params['after']!r}")
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
            if not keyed:
                wt.fail("ref", f"{tname}.{cname} must be the primary key or a unique column")
            if parent.rows == 0 and t.rows > 0:
                wt.fail("ref", f"table {tname!r} gets no rows to refer to")


def _compatible(parent: PgType, child: PgType) -> bool:
    if parent.family in INTEGER and child.family in INTEGER:
        return True
    return parent.family == child.family and parent.family not in ("json", "jsonb", "array")
