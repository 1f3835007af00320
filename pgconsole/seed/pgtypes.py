"""PostgreSQL column types the seeder can generate, parsed from their SQL spelling.

A type is reduced to a *family* that fixes its binary COPY encoding (see encode.py).
Domains and enums are resolved by infer.py before they get here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# family -> (struct code of the payload, payload width) for fixed-width families
FIXED = {
    "int2": ("h", 2), "int4": ("i", 4), "int8": ("q", 8),
    "float4": ("f", 4), "float8": ("d", 8), "bool": ("B", 1),
    "timestamp": ("q", 8), "date": ("i", 4), "time": ("q", 8), "uuid": (None, 16),
}
INTEGER = ("int2", "int4", "int8")
FLOAT = ("float4", "float8")
NUMBERS = INTEGER + FLOAT + ("numeric",)
TIMES = ("timestamp", "date", "time")
INT_RANGE = {"int2": (-2**15, 2**15 - 1), "int4": (-2**31, 2**31 - 1), "int8": (-2**63, 2**63 - 1)}
# element type oids for one-dimensional arrays
ELEM_OID = {"int2": 21, "int4": 23, "int8": 20, "text": 25, "varchar": 1043, "float8": 701,
            "float4": 700, "bool": 16, "uuid": 2950, "date": 1082, "timestamptz": 1184,
            "timestamp": 1114, "numeric": 1700}

# spelling -> (canonical name, family)
_NAMES = {
    "smallint": "int2", "int2": "int2",
    "integer": "int4", "int": "int4", "int4": "int4",
    "bigint": "int8", "int8": "int8",
    "real": "float4", "float4": "float4",
    "double precision": "float8", "float8": "float8", "float": "float8",
    "numeric": "numeric", "decimal": "numeric",
    "boolean": "bool", "bool": "bool",
    "text": "text", "varchar": "varchar", "character varying": "varchar",
    "char": "bpchar", "character": "bpchar", "bpchar": "bpchar", "citext": "citext",
    "uuid": "uuid",
    "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
    "timestamp": "timestamp", "timestamp without time zone": "timestamp",
    "date": "date", "time": "time", "time without time zone": "time",
    "interval": "interval", "json": "json", "jsonb": "jsonb",
    "inet": "inet", "cidr": "cidr", "bytea": "bytea",
}
_FAMILY = {"varchar": "text", "bpchar": "text", "citext": "text", "timestamptz": "timestamp",
           "cidr": "inet"}
_TYPE_RE = re.compile(r"^([a-z][a-z0-9_ ]*?)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*"
                      r"(with time zone|without time zone)?\s*((?:\[\d*\])*)$")


@dataclass(frozen=True)
class PgType:
    name: str                 # canonical base name: int8, varchar, timestamptz, ...
    family: str               # what fixes the encoding: int8, text, timestamp, array, ...
    max_len: int | None = None    # varchar(n) / char(n)
    precision: int | None = None  # numeric(p, s)
    scale: int | None = None
    elem: PgType | None = None    # arrays: the element type
    sql: str = ""             # as written

    @property
    def fixed(self) -> tuple[str | None, int] | None:
        return FIXED.get(self.family)


# an extension's type, wherever it is installed: format_type() qualifies it for pgconsole's
# sessions, whose search_path is pg_catalog's (pgconsole.db)
_EXTENSION_TYPE = re.compile(r'^(?:"[^"]+"|[a-z_][a-z0-9_$]*)\.(citext\b.*)$')


def parse_type(text: str) -> PgType | None:
    """Parse a type as written in a scenario or printed by format_type(); None if unsupported."""
    raw = " ".join(text.strip().lower().split())
    ext = _EXTENSION_TYPE.match(raw)
    t = parse_type(ext.group(1)) if ext else None
    if t is not None:
        return replace(t, sql=raw)
    m = _TYPE_RE.match(raw)
    if not m:
        return None
    base, a, b, zone, arr = m.groups()
    base = base.strip()
    if zone:
        base = f"{base} {zone}"
    name = _NAMES.get(base)
    if name is None:
        return None
    family = _FAMILY.get(name, name)
    max_len = precision = scale = None
    if family == "text" and a is not None:
        max_len = int(a)
    elif name == "bpchar":
        max_len = 1
    if family == "numeric" and a is not None:
        precision, scale = int(a), int(b or 0)
    t = PgType(name=name, family=family, max_len=max_len, precision=precision, scale=scale, sql=raw)
    if arr:
        if name not in ELEM_OID or arr.count("[") > 1:
            return None
        return PgType(name=name + "[]", family="array", elem=t, sql=raw)
    return t


def same_type(a: str, b: str) -> bool:
    """Whether two spellings name the same type (for checking an existing table's columns)."""
    pa, pb = parse_type(a), parse_type(b)
    if pa is None or pb is None:
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    return _key(pa) == _key(pb)


def _key(t: PgType) -> tuple[object, ...]:
    return (t.name, t.max_len, t.precision, t.scale, t.elem and _key(t.elem))
