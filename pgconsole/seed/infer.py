"""--infer: a scenario for an existing schema, from its catalog.

Each column gets a generator chosen from its name and type (email, name, city, price,
created_at, JSON...), narrowed by NOT NULL, unique keys, foreign keys and the simple
CHECK constraints (col >= 0, col BETWEEN, col IN (...), a < b, char_length(col) <= n).
The result is an ordinary Scenario; the seed then fills the tables in foreign-key order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

from ..conninfo import ConnParams
from ..db import SessionLimits, connect
from ..errors import PgConsoleError
from .checks import parse_checks
from .pgtypes import INT_RANGE, INTEGER, PgType, parse_type
from .relate import relate
from .scenario import ColumnSpec, FieldSpec, Scenario, TableSpec
from .target import Constraint, ExistingColumn, Target, read_catalog, shown

BASE_ROWS = 1000
START = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)   # fixed, so a seed gives the same data any day
END = dt.datetime(2025, 12, 31, tzinfo=dt.timezone.utc)
F = FieldSpec

# (column-name pattern, faker provider) for text columns; first match wins
TEXT_RULES = [
    (r"e_?mail", "email"), (r"first_?name|given_?name", "first_name"),
    (r"last_?name|surname|family_?name", "last_name"), (r"user_?name|login|handle|nick", "user_name"),
    (r"(full_?|display_?|contact_?|customer_?)?name$|author", "name"), (r"phone|mobile|^tel|fax", "phone_number"),
    (r"city|town", "city"), (r"country_?code", "country_code"), (r"country", "country"),
    (r"state|province|region", "state"), (r"zip|postal|post_?code", "postcode"),
    (r"address|street", "street_address"), (r"company|organi[sz]ation|business|employer", "company"),
    (r"job|occupation|profession", "job"), (r"url|website|homepage|link", "url"),
    (r"domain|host", "domain_name"), (r"user_?agent", "user_agent"), (r"currency", "currency_code"),
    (r"colou?r", "color_name"), (r"lang|locale", "language_code"), (r"slug", "slug"),
    (r"ip(_?addr(ess)?)?$", "ipv4"), (r"title|subject|headline|caption", "catch_phrase"),
    (r"description|summary|bio|about|note|comment|body|content|message|text|review", "paragraph"),
    (r"tag|label|keyword|category|genre|kind|type|topic", "word"),
]
HEX_NAMES = r"token|hash|secret|api_?key|fingerprint|checksum|digest|sha|md5|nonce|password|salt"
CHOICES = {
    r"status|state$": {"active": 70, "inactive": 15, "pending": 10, "archived": 5},
    r"role": {"member": 80, "admin": 15, "owner": 5},
    r"priority|severity|level": {"low": 50, "medium": 35, "high": 15},
}
NUMBER_RULES = [   # (name pattern, generator fields)
    (r"price|amount|cost|total|fee|balance|salary|revenue|spend|charge",
     {"gen": "lognormal", "median": 40, "sigma": 1.0, "min": 0}),
    (r"qty|quantity|count$|^num_|^n_|seats|items", {"gen": "zipf", "min": 1, "max": 100, "s": 1.3}),
    (r"^age$", {"gen": "normal", "mean": 38, "stddev": 14, "min": 18, "max": 90}),
    (r"year", {"gen": "uniform", "min": 1990, "max": 2025}),
    (r"rating|stars|score", {"gen": "zipf", "min": 1, "max": 5, "s": 0.6}),
    (r"percent|pct|ratio|rate", {"gen": "uniform", "min": 0, "max": 100}),
    (r"lat(itude)?$", {"gen": "uniform", "min": -90.0, "max": 90.0, "decimals": 6}),
    (r"lng|lon(gitude)?$", {"gen": "uniform", "min": -180.0, "max": 180.0, "decimals": 6}),
    (r"duration|elapsed|latency|_ms$|millis|seconds|secs",
     {"gen": "lognormal", "median": 200, "sigma": 1.0, "min": 0}),
    (r"position|sort|order|rank|version|attempts|retries", {"gen": "zipf", "min": 1, "max": 1000, "s": 1.2}),
]
BOOL_LIKELY = r"active|enabled|verified|confirmed|visible|public|published|valid|success"
BOOL_RARE = r"deleted|archived|banned|locked|blocked|disabled|spam|flagged|test"
CREATED = r"created|inserted|registered|signed_?up|joined|started|opened|^ts$|timestamp|occurred|happened"
AFTER = (r"updated|modified|changed|deleted|archived|cancel+ed|closed|ended|finished|expires?|expiry|due|last_"
         r"|completed|resolved|shipped|delivered|paid")
GENERIC_JSON = {
    "source": F("choice", {"choice": {"web": 60, "ios": 20, "android": 15, "api": 5}}),
    "version": F("zipf", {"min": 1, "max": 5, "s": 1.5}),
    "flags": F("list", {"item": {}, "min": 0, "max": 3}, item=F("faker", {"faker": "word", "pool": 40})),
    "note": F("faker", {"faker": "sentence"}, omit=0.7),
}


async def infer_scenario(params: ConnParams, schema: str, limits: SessionLimits | None = None) -> Scenario:
    conn = await connect(params, limits or SessionLimits(), application_name="pgconsole seed")
    try:
        target = await read_catalog(conn, schema, None)
    finally:
        await conn.close()
    if not target.schema_exists:
        raise PgConsoleError(f"schema {schema!r} does not exist")
    if not target.tables:
        raise PgConsoleError(f"schema {shown(None, schema)} has no tables to fill")
    return scenario_from_catalog(target)


def scenario_from_catalog(target: Target) -> Scenario:
    tables = tuple(_table(target, name) for name in sorted(target.tables))
    tables = relate(target, tables, CREATED, END)    # facts across tables (relate.py)
    return Scenario(name="infer", description=f"inferred from schema {target.schema}", tables=tables,
                    path=f"--infer ({target.schema})")


def _table(target: Target, name: str) -> TableSpec:
    t = target.tables[name]
    cons = [c for c in target.constraints if c.table_name == name and c.table_schema == target.schema]
    pk = next((c.columns for c in cons if c.type == "p"), ())
    uniques = [c.columns for c in cons if c.type == "u"]
    uniques += [tuple(ix["columns"]) for ix in target.indexes
                if ix["table_oid"] == t.oid and ix["is_unique"] and not ix["partial"] and not ix["has_expression"]]
    fks = {c.columns[0] if len(c.columns) == 1 else None: c for c in cons if c.type == "f"}
    group_fk = {col: c for c in cons if c.type == "f" and len(c.columns) > 1 for col in c.columns}
    checks = parse_checks([c.definition for c in cons if c.type == "c"])
    single_unique = {u[0] for u in uniques if len(u) == 1} | ({pk[0]} if len(pk) == 1 else set())
    cols = []
    for col in t.columns.values():
        if col.generated:
            continue
        spec = _column(target, name, col, fks.get(col.name) or group_fk.get(col.name), col.name in single_unique,
                       checks, t.columns)
        if spec is not None:
            cols.append(spec)
    if not cols:
        raise PgConsoleError(f"table {shown(target.schema, name)}: no column pgconsole seed can fill")
    kept = {c.name for c in cols}
    return TableSpec(name=name, rows=BASE_ROWS, columns=tuple(cols), primary_key=tuple(pk) if set(pk) <= kept else (),
                     unique=tuple(u for u in uniques if set(u) <= kept))


def _column(target: Target, table: str, col: ExistingColumn, fk: Constraint | None, unique: bool,
            checks: dict[str, Any], siblings: dict[str, Any]) -> ColumnSpec | None:
    where = f"table {shown(target.schema, table)}, column {col.name}"
    ptype = parse_type(col.base_type) if col.typtype != "e" else PgType(name="text", family="text")
    optional = not col.not_null or col.has_default or col.identity
    if ptype is None:
        if optional:
            return None   # left to its default or NULL
        raise PgConsoleError(f"{where}: type {col.type} is not supported by --infer (give a scenario file)")
    nullable = not col.not_null
    null = 0.1 if nullable and not unique and not fk else 0.0
    if fk is not None:
        spec = _ref(target, table, col, fk, unique)
        if spec is None:
            if optional:
                return None
            raise PgConsoleError(f"{where}: refers to {shown(fk.ref_schema, fk.ref_table or '')}, outside the schema "
                                 f"being seeded, and is NOT NULL")
        if fk.ref_table == table:
            null = 0.2 if nullable else 0.0    # the roots of a tree
        return ColumnSpec(col.name, ptype, F(spec[0], spec[1], null=null), unique, nullable)
    check = checks.get(col.name, {})
    if ptype.family == "text" and check.get("max_len") is not None:   # values longer are cut to fit
        ptype = dataclasses.replace(ptype, max_len=min(x for x in (ptype.max_len, check["max_len"]) if x))
    picked = _pick(col, ptype, unique, check, siblings, checks)
    if picked is None:
        if optional:
            return None
        raise PgConsoleError(f"{where}: type {col.type} is not supported by --infer (give a scenario file)")
    gen, params = picked
    if gen == "json":
        return ColumnSpec(col.name, ptype, F("json", {"json": {}}, null=null, fields=tuple(GENERIC_JSON.items())),
                          unique, nullable)
    if gen == "list":
        item = params.pop("item")
        return ColumnSpec(col.name, ptype, F("list", params, null=null, item=item), unique, nullable)
    if unique and gen not in ("serial", "uuid", "hex", "faker"):
        gen, params = ("serial", {}) if ptype.family in INTEGER + ("numeric",) else ("hex", {"length": 16})
    return ColumnSpec(col.name, ptype, F(gen, params, null=null), unique, nullable)


def _ref(target: Target, table: str, col: ExistingColumn, fk: Constraint, unique: bool
         ) -> tuple[str, dict[str, Any]] | None:
    if fk.ref_schema != target.schema or fk.ref_table not in target.tables:
        return None
    pcol = fk.ref_columns[fk.columns.index(col.name)]
    dist = "unique" if unique else "uniform" if fk.ref_table == table else "zipf"   # unique: one-to-one
    params = {"ref": f"{fk.ref_table}.{pcol}", "dist": dist, "s": 1.1}
    if len(fk.columns) > 1:
        params["group"] = fk.name   # the columns of one key share a parent row
        params["dist"] = "uniform"
    return "ref", params


def _pick(col: ExistingColumn, t: PgType, unique: bool, check: dict[str, Any], siblings: dict[str, Any],
          checks: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    name, fam = col.name.lower(), t.family
    if col.identity:
        return "serial", {}
    if check.get("choice") is not None:
        values = _typed(check["choice"], fam)
        if values:
            return "choice", {"choice": values}
    if col.enum_labels:
        return "choice", {"choice": list(col.enum_labels)}
    if fam in INTEGER and unique:
        return "serial", {}
    if fam == "uuid":
        return "uuid", {}
    if fam == "bool":
        p = 0.85 if re.search(BOOL_LIKELY, name) else 0.05 if re.search(BOOL_RARE, name) else 0.5
        return "bool", {"p": p}
    if fam in ("timestamp", "date", "time"):
        return _time(name, fam, check, siblings, checks)
    if fam == "inet":
        return "ipv4", {}
    if fam in ("json", "jsonb"):
        return "json", {}
    if fam == "array":
        item = F("faker", {"faker": "word", "pool": 60}) if t.elem is not None and t.elem.family == "text" else \
            F("zipf", {"min": 1, "max": 100, "s": 1.2})
        return "list", {"item": item, "min": 0, "max": 4}
    if fam in INTEGER + ("numeric", "float4", "float8"):
        return _number(name, t, check, siblings, checks)
    if fam == "text":
        return _text(name, t, unique, check)
    if fam == "bytea":
        return "hex", {"length": 32}
    if fam == "interval":
        return "choice", {"choice": {60: 10, 300: 30, 3600: 30, 86400: 20, 604800: 10}}
    return None


def _text(name: str, t: PgType, unique: bool, check: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    limits = [x for x in (t.max_len, check.get("max_len")) if x]
    limit = min(limits) if limits else None
    if re.search(HEX_NAMES, name):
        return "hex", {"length": min(64, limit or 64)}
    if re.search(r"uuid|guid", name) and (limit is None or limit >= 36):
        return "uuid", {}
    for pattern, weights in CHOICES.items():
        if re.search(pattern, name) and not unique and (limit is None or limit >= 8):
            return "choice", {"choice": weights}
    for pattern, provider in TEXT_RULES:
        if re.search(pattern, name):
            if provider == "ipv4" and limit is not None and limit < 15:
                continue   # 223.255.255.255 would not fit
            if provider == "ipv4":
                return "ipv4", {}
            if provider == "country_code" or (provider == "country" and limit in (2, 3)):
                return "faker", {"faker": "country_code",
                                 "args": {"representation": "alpha-3"} if limit == 3 else {}}
            if provider == "word" and not unique:
                return "faker", {"faker": "word", "pool": 12}   # a handful of categories
            if provider == "paragraph" and limit is not None and limit < 200:
                return "faker", {"faker": "sentence"}
            return "faker", {"faker": provider}
    if limit is not None and limit <= 3:
        return "faker", {"faker": "lexify", "args": {"text": "?" * limit}}
    return "faker", {"faker": "word" if unique or (limit or 99) < 30 else "sentence"}


def _number(name: str, t: PgType, check: dict[str, Any], siblings: dict[str, Any], checks: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"gen": "lognormal", "median": 100, "sigma": 1.5, "min": 0}
    for pattern, p in NUMBER_RULES:
        if re.search(pattern, name):
            params = dict(p)
            break
    gen = params.pop("gen")
    step = _step(t)
    lo, hi = _bounds(t, check, typed=False)
    for later in check.get("before", ()):   # stay below the columns that must exceed this one
        lt = _sibling_type(siblings, later)
        if lt is not None and lt.family == t.family or (lt and lt.family in INTEGER and t.family in INTEGER):
            lmax = _bounds(lt, checks.get(later, {}), typed=False)[1]
            if lmax is not None:
                lmax -= step if checks[later].get("strict_after") else 0
                hi = lmax if hi is None else min(hi, lmax)
    earlier = check.get("after")
    et = _sibling_type(siblings, earlier) if earlier else None
    if et is not None and (et.family == t.family or (et.family in INTEGER and t.family in INTEGER)):
        gap = [step if check.get("strict_after") else 0, 100 * max(step, 1)]
        out = {"above": earlier, "gap": [int(x) for x in gap] if t.family in INTEGER else gap}
        out.update({k: v for k, v in (("min", lo), ("max", hi)) if v is not None})
        return "above", out
    if (lo is not None and hi is not None or hi is not None and hi < params.get("median", hi)) \
            and gen not in ("uniform", "zipf"):
        gen, params = "uniform", {"min": hi - 1000 if lo is None else lo}   # inside the CHECK range, evenly
    below = hi
    lo, hi = _bounds(t, check)
    hi = below if hi is None else hi if below is None else min(hi, below)
    if lo is not None:
        params["min"] = max(params["min"], lo) if "min" in params else lo
    if hi is not None:
        params["max"] = min(params["max"], hi) if "max" in params else hi
    if "min" in params and "max" in params and params["min"] > params["max"]:
        gen, params = "uniform", {"min": lo if lo is not None else params["max"],
                                  "max": hi if hi is not None else params["min"]}
    if gen in ("uniform", "zipf") and t.family in INTEGER:
        params["min"], params["max"] = int(params["min"]), int(params["max"])
    if gen == "zipf" and not (isinstance(params["min"], int) and isinstance(params["max"], int)):
        gen = "uniform"
    if gen == "uniform" and ("min" not in params or "max" not in params):
        params.setdefault("min", 0)
        params.setdefault("max", params["min"] + 1000)
    return gen, params


def _step(t: PgType) -> float:
    """The smallest difference between two values of the column (for strict comparisons)."""
    if t.family in INTEGER:
        return 1
    return 10 ** -(t.scale if t.scale is not None else 2) if t.family == "numeric" else 0.01


def _bounds(t: PgType, check: dict[str, Any], typed: bool = True) -> tuple[Any, Any]:   # (lo, hi), None: open
    """[lo, hi] a number column may take: its CHECK bounds (strict ones moved in), and (typed)
    its type's range."""
    step = _step(t)
    lo, hi = check.get("min"), check.get("max")
    if lo is not None and check.get("strict_min"):
        lo += step
    if hi is not None and check.get("strict_max"):
        hi -= step
    if not typed:
        return lo, hi
    if t.family in INTEGER:
        tlo, thi = INT_RANGE[t.family]
        lo = tlo if lo is None else max(int(-(-lo // 1)), tlo)   # integers: round toward the inside
        hi = thi if hi is None else min(int(hi // 1), thi)
    elif t.family == "numeric" and t.precision:
        thi = 10 ** (t.precision - (t.scale or 0)) - step
        lo = -thi if lo is None else max(lo, -thi)
        hi = thi if hi is None else min(hi, thi)
    return lo, hi


def _sibling_type(siblings: dict[str, Any], name: str | None) -> PgType | None:
    col = siblings.get(name) if name else None
    return parse_type(col.base_type) if col is not None else None


def _typed(values: list[Any], fam: str) -> list[Any] | None:
    """IN (...) values as the column's type takes them ('-3' is a number for an integer column)."""
    try:
        if fam in INTEGER:
            return [int(float(v)) for v in values]
        if fam in ("numeric", "float4", "float8"):
            return [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    return [str(v) for v in values] if fam == "text" else values


_DAY, _SECOND = dt.timedelta(days=1), dt.timedelta(seconds=1)


def _time(name: str, fam: str, check: dict[str, Any], siblings: dict[str, Any], checks: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    after = check.get("after")
    if after is not None and (_sibling_type(siblings, after) or PgType("", "")).family != fam:
        after = None
    strict = check.get("strict_after", False)
    if after is None and re.search(AFTER, name):
        after = next((c for c in siblings if re.search(CREATED, c.lower()) and c.lower() != name
                      and (ct := parse_type(siblings[c].base_type)) is not None and ct.family == fam), None)
    if after is not None:
        if fam == "time":   # within one day: the earlier column stays in the morning (see below)
            return "timestamp", {"after": after, "min_delay": "1s" if strict else 0, "max_delay": "11h"}
        least = ("1d" if fam == "date" else "1h") if strict else 0
        return "timestamp", {"after": after, "min_delay": least, "max_delay": "90d"}
    if fam == "time":
        hours = 12 if check.get("before") else 24
        return "timestamp", {"start": START, "end": START + dt.timedelta(hours=hours) - _SECOND}
    unit = _DAY if fam == "date" else _SECOND
    lo, hi = check.get("tmin"), check.get("tmax")
    if lo is not None or hi is not None:   # CHECK (d >= '2020-01-01'), BETWEEN ...
        lo = (lo + unit if check.get("strict_tmin") else lo) if lo is not None else None
        hi = (hi - unit if check.get("strict_tmax") else hi) if hi is not None else None
        if lo is None:
            assert hi is not None   # one of them, at least
            lo = min(START, hi - 365 * _DAY)
        if hi is None:
            hi = max(END, lo + 365 * _DAY)
        return "timestamp", {"start": lo, "end": max(hi, lo + unit)}
    if re.search(r"birth|dob", name):
        return "timestamp", {"start": dt.datetime(1950, 1, 1, tzinfo=dt.timezone.utc),
                             "end": dt.datetime(2006, 1, 1, tzinfo=dt.timezone.utc)}
    if re.search(CREATED, name):
        return "timestamp", {"start": START, "end": END, "mode": "recent", "power": 1.5}
    return "timestamp", {"start": START, "end": END}
