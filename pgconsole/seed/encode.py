"""PostgreSQL binary COPY format, written by hand for speed.

A COPY stream is a header, rows, and a trailer. A row is a 16-bit field count, then
per field a 32-bit length (-1 for NULL) and the type's binary "send" payload. Fixed-width
columns of a chunk are packed column-wise with one struct call and scattered into a
row-strided buffer by slice assignment (all in C); variable-width cells are framed with
map() or struct, and interleaved with one join. Nothing here loops over cells in Python
except encode_value(), which only pre-encodes pools and constants, once.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import struct
import uuid
from decimal import Decimal
from operator import add
from typing import Any

from .pgtypes import ELEM_OID, FIXED, PgType

HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
PG_EPOCH_DATE = dt.date(2000, 1, 1)
_len = struct.Struct(">i").pack
_STRUCTS: dict[tuple[str, int], struct.Struct] = {}


def frame(payloads: list[bytes]) -> list[bytes]:
    """Prefix each payload with its 32-bit length."""
    return list(map(add, map(_len, map(len, payloads)), payloads))


def frame_one(payload: bytes | None) -> bytes:
    return NULL if payload is None else _len(len(payload)) + payload


def pack_fixed(family: str, values: list[Any]) -> bytes:
    """Payloads of a fixed-width family for all values, concatenated (no length prefixes)."""
    code, width = FIXED[family]
    if code is None:  # uuid: values are already 16-byte strings
        return b"".join(values)
    key = (code, len(values))
    s = _STRUCTS.get(key)
    if s is None:
        s = struct.Struct(f">{len(values)}{code}")
        if len(_STRUCTS) > 256:
            _STRUCTS.clear()
        _STRUCTS[key] = s
    return s.pack(*values)


def split_fixed(blob: bytes, width: int) -> list[bytes]:
    """Framed cells from a packed fixed-width column (for nullable columns)."""
    pre = _len(width)
    return [pre + blob[i:i + width] for i in range(0, len(blob), width)]


@functools.lru_cache(maxsize=64)
def _splitter(width: int, n: int) -> struct.Struct:
    return struct.Struct(f"{width}s" * n)


def split_rows(data: bytes, width: int) -> tuple[bytes, ...]:
    """Cut a buffer into equal pieces with one struct call."""
    return _splitter(width, len(data) // width).unpack(data)


class Split(tuple[Any, ...]):
    """A variable-width column as (length prefixes packed, payloads): assemble() interleaves both."""


def frame_split(payloads: list[bytes]) -> Split:
    """Length prefixes and payloads apart, for assemble() to interleave: all the lengths are
    packed by one struct call (no per-cell +); assemble cuts them apart, or puts them in the
    row heads when the column is the first variable one."""
    return Split((pack_fixed("int4", list(map(len, payloads))), payloads))


def assemble(n: int, fixed: list[tuple[int, bytes]], var: list[Any]) -> bytes:
    """Rows from fixed-width payload blobs (width, blob) and variable cells, in that order.

    A variable column is a sequence of framed cells, or a Split from frame_split.
    """
    nfields = len(fixed) + len(var)
    # the first variable column's length prefixes, when packed, go in the row heads
    lead = var[0][0] if var and isinstance(var[0], Split) else None
    width = 2 + sum(4 + w for w, _ in fixed) + (4 if lead is not None else 0)
    buf = bytearray(n * width)
    if nfields >> 8:
        buf[0::width] = bytes((nfields >> 8,)) * n
    buf[1::width] = bytes((nfields & 0xFF,)) * n
    off = 2
    for w, blob in fixed:
        buf[off + 3::width] = bytes((w,)) * n   # length prefix: widths are < 256
        off += 4
        for k in range(w):
            buf[off + k::width] = blob[k::w]
        off += w
    if lead is not None:
        for k in range(4):
            buf[off + k::width] = lead[k::4]
    if not var:
        return bytes(buf)
    # interleave row heads and cells by slice assignment: no per-row tuples
    parts = [_splitter(width, n).unpack(buf)]
    for j, col in enumerate(var):
        if not isinstance(col, Split):
            parts.append(col)
        elif j == 0 and lead is not None:
            parts.append(col[1])
        else:
            parts.extend((_splitter(4, n).unpack(col[0]), col[1]))
    k = len(parts)
    items: list[Any] = [None] * (n * k)
    for j, seq in enumerate(parts):
        items[j::k] = seq
    return b"".join(items)


_NUMERIC_HEAD = struct.Struct(">hhHH")
_GROUPS = [struct.Struct(f">{n}H") for n in range(40)]


def numeric_payload(scaled: int, scale: int) -> bytes:
    """numeric_send for the value scaled / 10**scale: base-10000 digit groups."""
    sign = 0x4000 if scaled < 0 else 0
    v = -scaled if scaled < 0 else scaled
    if v == 0:
        return _NUMERIC_HEAD.pack(0, 0, 0, scale)
    frac_groups = (scale + 3) // 4
    v *= 10 ** (4 * frac_groups - scale)
    groups = []
    while v:
        v, g = divmod(v, 10000)
        groups.append(g)
    groups.reverse()
    weight = len(groups) - frac_groups - 1
    while groups[-1] == 0:
        groups.pop()
    n = len(groups)
    tail = _GROUPS[n].pack(*groups) if n < 40 else struct.pack(f">{n}H", *groups)
    return _NUMERIC_HEAD.pack(n, weight, sign, scale) + tail


def timestamp_us(value: dt.datetime) -> int:
    """Microseconds since 2000-01-01 UTC (naive datetimes are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    delta = value - PG_EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def encode_value(t: PgType, v: Any) -> bytes:
    """The binary payload of one Python value for type t (slow path: pools and constants)."""
    f = t.family
    if f in ("int2", "int4", "int8"):
        return struct.pack(f">{FIXED[f][0]}", int(v))
    if f in ("float4", "float8"):
        return struct.pack(f">{FIXED[f][0]}", float(v))
    if f == "numeric":
        scale = t.scale if t.scale is not None else 2
        return numeric_payload(int((Decimal(str(v)) * (10 ** scale)).to_integral_value()), scale)
    if f == "bool":
        return b"\x01" if v else b"\x00"
    if f == "text":
        s = str(v)
        if t.max_len is not None:
            s = s[: t.max_len]
        return s.encode()
    if f == "uuid":
        return (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))).bytes
    if f == "timestamp":
        if isinstance(v, str):
            v = dt.datetime.fromisoformat(v)
        elif isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            v = dt.datetime(v.year, v.month, v.day)
        return struct.pack(">q", timestamp_us(v))
    if f == "date":
        if isinstance(v, str):
            v = dt.date.fromisoformat(v)
        if isinstance(v, dt.datetime):
            v = v.date()
        return struct.pack(">i", (v - PG_EPOCH_DATE).days)
    if f == "time":
        if isinstance(v, str):
            v = dt.time.fromisoformat(v)
        return struct.pack(">q", ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond)
    if f == "interval":
        if not isinstance(v, dt.timedelta):
            v = dt.timedelta(seconds=float(v))
        return struct.pack(">qii", v.seconds * 1_000_000 + v.microseconds, v.days, 0)
    if f in ("json", "jsonb"):
        text = v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)
        return (b"\x01" if f == "jsonb" else b"") + text.encode()
    if f == "inet":
        return inet_payload(ipaddress.ip_interface(str(v)), t.name == "cidr")
    if f == "bytea":
        return v if isinstance(v, bytes) else str(v).encode()
    if f == "array":
        elem = t.elem
        assert elem is not None   # an array type has its element's
        return array_payload(elem, [encode_value(elem, x) for x in v])
    raise ValueError(f"cannot encode {t.sql}")


def inet_payload(iface: ipaddress.IPv4Interface | ipaddress.IPv6Interface, is_cidr: bool = False) -> bytes:
    addr = iface.ip.packed
    family = 2 if len(addr) == 4 else 3   # PGSQL_AF_INET, PGSQL_AF_INET6
    bits = iface.network.prefixlen
    return bytes((family, bits, 1 if is_cidr else 0, len(addr))) + addr


def array_payload(elem: PgType, payloads: list[bytes]) -> bytes:
    """array_send for a one-dimensional array without NULLs."""
    oid = ELEM_OID[elem.name]
    if not payloads:
        return struct.pack(">iii", 0, 0, oid)
    head = struct.pack(">iiiii", 1, 0, oid, len(payloads), 1)
    return head + b"".join(frame(payloads))


def json_fragment(v: object) -> bytes:
    """A JSON value as text bytes, for assembling JSON objects without json.dumps per row."""
    return json.dumps(v, default=str, ensure_ascii=False).encode()
