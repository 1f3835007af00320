"""One generator's spec: which generator, its fields, and their checks.

A column of a scenario and a key inside a JSON column are both described by a
FieldSpec. Every check names the file, table, column and field it rejects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn
from dataclasses import dataclass

from ..errors import PgConsoleError
from . import distributions as D
from .pgtypes import INTEGER, NUMBERS, TIMES, PgType

COMMON_KEYS = {"type", "gen", "null", "unique", "nullable", "default"}
FIELD_KEYS = {"gen", "null", "omit"}
SHORTHANDS = {"faker": "faker", "choice": "choice", "ref": "ref", "json": "json", "value": "const",
              "above": "above", "same_as": "same_as"}
_ANY = None   # a generator that can fill any family (checked against the values later)
SHAPE_KEYS = {"mcv", "histogram", "n_distinct", "order"}
_TIMEKEYS = {"start", "end", "mode", "jitter", "power", "after", "min_delay", "max_delay", "between"}
# gen -> (families it can fill (None: any), required fields, optional fields)
GENS: dict[str, tuple[tuple[str, ...] | None, set[str], set[str]]] = {
    "serial": (INTEGER + ("numeric", "text"), set(), {"start", "step", "format"}),
    "uuid": (("uuid", "text"), set(), set()),
    "hex": (("text", "bytea"), set(), {"length"}),
    "faker": (_ANY, {"faker"}, {"args", "pool"}),
    "choice": (_ANY, {"choice"}, {"weights"}),
    "bool": (("bool",), set(), {"p"}),
    "timestamp": (TIMES, set(), _TIMEKEYS),
    "ref": (_ANY, {"ref"}, {"dist", "s", "group"} | SHAPE_KEYS),   # group: a composite key's columns share a row
    "json": (("json", "jsonb"), {"json"}, set()),
    "list": (("array",), {"item"}, {"min", "max"}),
    "const": (_ANY, {"value"}, set()),
    "ipv4": (("inet", "text"), set(), set()),
    "above": (NUMBERS, {"above"}, {"gap", "min", "max", "decimals"}),   # another column of the row + a gap
    "same_as": (_ANY, {"same_as"}, set()),      # the parent row's value, through a foreign key
    # like a production column's statistics (seed --like): see shaped.py
    "shaped": (NUMBERS + TIMES + ("text", "bool"), set(), SHAPE_KEYS | {"mcv_freqs", "faker", "args", "length"}),
    **{name: (NUMBERS, req, opt | {"decimals"}) for name, (req, opt) in D.NUMERIC.items()},
}
JSON_GENS = set(GENS) - {"ref", "above", "same_as", "shaped"}
TIME_MODES = ("uniform", "sequential", "recent")


class ScenarioError(PgConsoleError):
    pass


@dataclass(frozen=True)
class FieldSpec:
    """A generator: a table column's values, or one key of a JSON column."""
    gen: str
    params: dict[str, Any]
    null: float = 0.0
    omit: float = 0.0                      # JSON keys only: fraction of rows without the key
    fields: tuple[tuple[str, FieldSpec], ...] = ()   # json: the object's keys
    item: FieldSpec | None = None          # list: the element generator


class Where:
    def __init__(self, path: str, table: str | None = None, column: str | None = None) -> None:
        self.path, self.table, self.column = path, table, column

    def at(self, table: str | None = None, column: str | None = None) -> Where:
        return Where(self.path, table or self.table, column or self.column)

    def fail(self, fieldname: str | None, msg: str) -> NoReturn:
        parts = [self.path]
        if self.table:
            parts.append(f"table {self.table}" + (f", column {self.column}" if self.column else ""))
        if fieldname:
            parts.append(f"field '{fieldname}'")
        raise ScenarioError(": ".join(parts) + ": " + msg)


def check_keys(where: Where, d: dict[str, Any], allowed: set[str], what: str) -> None:
    for k in d:
        if k not in allowed:
            where.fail(k, f"unknown field in {what} (allowed: {', '.join(sorted(allowed))})")


def check_num(where: Where, d: dict[str, Any], key: str, lo: float | None = None, hi: float | None = None,
              integer: bool = False) -> Any:   # the number (an int when `integer`)
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and not isinstance(v, int)):
        where.fail(key, f"must be {'an integer' if integer else 'a number'}, not {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        where.fail(key, f"must be between {lo} and {hi}, not {v!r}")
    return v


def _default_gen(ptype: PgType | None) -> str | None:
    if ptype is None:
        return None
    return {"uuid": "uuid", "bool": "bool", "timestamp": "timestamp", "date": "timestamp",
            "inet": "ipv4"}.get(ptype.family)


def parse_field(w: Where, spec: dict[str, Any], ptype: PgType | None, common: set[str]) -> FieldSpec:
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
    check_keys(w, spec, common | required | optional, f"a '{gen}' column" if ptype else f"a '{gen}' JSON key")
    for r in sorted(required):
        if r not in spec:
            w.fail(r, f"missing: the '{gen}' generator needs it")
    if ptype is not None and families is not None and ptype.family not in families:
        w.fail("gen", f"'{gen}' cannot fill a column of type {ptype.sql}")
    null = check_num(w, spec, "null", 0, 1) if "null" in spec else 0.0
    omit = check_num(w, spec, "omit", 0, 1) if "omit" in spec else 0.0
    params = {k: v for k, v in spec.items() if k not in COMMON_KEYS | FIELD_KEYS}
    _check_params(w, gen, params, ptype)
    fields: tuple[Any, ...] = ()
    item = None
    if gen == "json":
        if not isinstance(params["json"], dict) or not params["json"]:
            w.fail("json", "must be an inline table of keys, e.g. { plan = { choice = [\"a\", \"b\"] } }")
        out = []
        for key, sub in params["json"].items():
            if not isinstance(sub, dict):
                w.fail("json", f"key {key!r} must be an inline table describing its generator")
            out.append((key, parse_field(Where(w.path, w.table, f"{w.column}.{key}"), sub, None, FIELD_KEYS)))
        fields = tuple(out)
    if gen == "list":
        if not isinstance(params["item"], dict):
            w.fail("item", "must be an inline table describing the element generator")
        elem = ptype.elem if ptype is not None else None
        item = parse_field(w, params["item"], elem, FIELD_KEYS if elem is None else {"gen"})
    return FieldSpec(gen, params, float(null), float(omit), fields, item)


def _check_params(w: Where, gen: str, p: dict[str, Any], ptype: PgType | None) -> None:
    fam = ptype.family if ptype else None
    if gen in D.NUMERIC:
        for k in p:
            if k != "decimals":
                check_num(w, p, k)
        if "min" in p and "max" in p and p["min"] > p["max"]:
            w.fail("max", "must not be below min")
        if gen == "zipf" and not (isinstance(p["min"], int) and isinstance(p["max"], int)):
            w.fail("min", "zipf draws integers: min and max must be integers")
        if "decimals" in p:
            check_num(w, p, "decimals", 0, 12, integer=True)
    elif gen == "serial":
        for k in ("start", "step"):
            if k in p:
                check_num(w, p, k, integer=True)
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
            check_num(w, p, "length", 1, 256, integer=True)
        if ptype is not None and ptype.max_len is not None and p.get("length", 32) > ptype.max_len:
            w.fail("length", f"{p.get('length', 32)} characters do not fit in {ptype.sql}")
    elif gen == "faker":
        if not isinstance(p["faker"], str) or not p["faker"].isidentifier():
            w.fail("faker", "must be a Faker provider name such as \"name\" or \"email\"")
        if "args" in p and not isinstance(p["args"], dict):
            w.fail("args", "must be an inline table of keyword arguments")
        if "pool" in p:
            check_num(w, p, "pool", 1, 1_000_000, integer=True)
    elif gen == "choice":
        _check_choice(w, p)
    elif gen == "bool":
        if "p" in p:
            check_num(w, p, "p", 0, 1)
    elif gen == "timestamp":
        _check_time(w, p, fam)
    elif gen == "ref":
        if not isinstance(p["ref"], str) or p["ref"].count(".") != 1:
            w.fail("ref", "must be \"table.column\"")
        dist = p.get("dist", "uniform")
        if dist not in D.REF_DISTS:
            w.fail("dist", f"unknown {dist!r} (one of {', '.join(D.REF_DISTS)})")
        if "s" in p:
            check_num(w, p, "s", 0.01, 10)
        if "group" in p and (not isinstance(p["group"], str) or not p["group"]):
            w.fail("group", "must be a name shared by the columns of one composite foreign key")
        if dist == "shaped":
            _check_shape(w, p)
        elif SHAPE_KEYS & set(p):
            w.fail(sorted(SHAPE_KEYS & set(p))[0], "only with dist = \"shaped\"")
    elif gen == "shaped":
        _check_shape(w, p)
    elif gen == "same_as":
        if not isinstance(p["same_as"], str) or p["same_as"].count(".") != 1:
            w.fail("same_as", "must be \"fk_column.parent_column\": a foreign key column of this table, then a "
                              "column of the table it refers to")
    elif gen == "above":
        if not isinstance(p["above"], str):
            w.fail("above", "must be the name of another number column of the table")
        gap = p.get("gap", [1, 100])
        if (not isinstance(gap, list) or len(gap) != 2 or any(isinstance(x, bool) or not isinstance(x, (int, float))
                                                              for x in gap) or not 0 <= gap[0] <= gap[1]):
            w.fail("gap", "must be [smallest, largest] distance above that column, 0 <= smallest <= largest")
        for k in ("min", "max"):
            if k in p:
                check_num(w, p, k)
    elif gen == "list":
        for k in ("min", "max"):
            if k in p:
                check_num(w, p, k, 0, 1000, integer=True)
        if p.get("min", 0) > p.get("max", 3):
            w.fail("max", "must not be below min")


def _check_shape(w: Where, p: dict[str, Any]) -> None:
    mcv = p.get("mcv", [])
    if not isinstance(mcv, list) or any(not isinstance(x, list) or len(x) != 2 or isinstance(x[1], bool)
                                        or not isinstance(x[1], (int, float)) or not 0 <= x[1] <= 1 for x in mcv):
        w.fail("mcv", "must be a list of [value, frequency] pairs, frequencies between 0 and 1")
    freqs = p.get("mcv_freqs", [])
    if not isinstance(freqs, list) or any(isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 <= x <= 1
                                          for x in freqs):
        w.fail("mcv_freqs", "must be a list of frequencies between 0 and 1")
    if sum(f for _, f in mcv) + sum(freqs) > 1.0001:
        w.fail("mcv", "frequencies must not add up to more than 1")
    if "histogram" in p and (not isinstance(p["histogram"], list) or len(p["histogram"]) < 2):
        w.fail("histogram", "must be a list of at least 2 bounds")
    if "n_distinct" in p:
        check_num(w, p, "n_distinct", -1, None)
        if p["n_distinct"] == 0:
            w.fail("n_distinct", "must not be 0 (a count, or minus a share of the rows)")
    if "order" in p:
        check_num(w, p, "order", -1, 1)
    if "length" in p:
        check_num(w, p, "length", 1, 10000, integer=True)


def _check_choice(w: Where, p: dict[str, Any]) -> None:
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


def _time_value(w: Where, p: dict[str, Any], key: str) -> dt.datetime:
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


def _check_time(w: Where, p: dict[str, Any], fam: str | None) -> None:
    mode = p.get("mode", "uniform")
    if mode not in TIME_MODES:
        w.fail("mode", f"unknown {mode!r} (one of {', '.join(TIME_MODES)})")
    if "after" in p and "between" in p:
        w.fail("between", "give either 'after' or 'between'")
    if "after" in p or "between" in p:
        key = "after" if "after" in p else "between"
        if key == "after" and not isinstance(p["after"], str):
            w.fail("after", "must be another timestamp column, or \"fk_column.parent_column\"")
        if key == "between":
            b = p["between"]
            if not isinstance(b, list) or len(b) != 2 or not all(isinstance(x, (str, dt.date)) for x in b):
                w.fail("between", "must be [from, to]: each a timestamp column, \"fk_column.parent_column\" or a date")
        if fam is None:
            w.fail(key, "not available inside a JSON column")
        for k in ("start", "end", "jitter", "power") + (("min_delay", "max_delay") if key == "between" else ()):
            if k in p:
                w.fail(k, f"not used with '{key}'" + (" (use min_delay and max_delay)" if key == "after" else ""))
        if mode not in ("uniform", "sequential"):
            w.fail("mode", f"with '{key}': \"uniform\" or \"sequential\" (in row order within each parent)")
        if mode == "sequential" and not any(isinstance(x, str) and "." in x
                                            for x in ([p[key]] if key == "after" else p[key])):
            w.fail("mode", "\"sequential\" orders the rows of each parent: it needs a \"fk_column.parent_column\"")
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
    if "min_delay" in p and "max_delay" in p and D.duration_us(p["min_delay"]) > D.duration_us(p["max_delay"]):
        w.fail("max_delay", "must not be below min_delay")
    if "power" in p:
        check_num(w, p, "power", 0.01, 100)


def time_bound(v: str | dt.date) -> int | None:
    """A 'between' bound: None for a column path, else microseconds since 2000-01-01."""
    from .encode import timestamp_us
    if isinstance(v, str):
        try:
            v = dt.datetime.fromisoformat(v)
        except ValueError:
            return None
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        v = dt.datetime(v.year, v.month, v.day)
    return timestamp_us(v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc))


def time_range_us(p: dict[str, Any]) -> tuple[int, int]:
    """start and end of a validated timestamp generator, as microseconds since 2000-01-01."""
    from .encode import timestamp_us
    w = Where("")
    return timestamp_us(_time_value(w, p, "start")), timestamp_us(_time_value(w, p, "end"))
