"""Column generators: each fills a whole chunk of one column at once, in C-level maps.

A generator returns one of three outputs for rows lo..lo+n-1 of its table:
  ("values", list)  values in the column family's domain (ints for integers, times as
                    microseconds since 2000-01-01, dates as days, payload bytes for text...)
  ("blob", bytes)   fixed-width payloads already packed (uuid)
  ("cells", list)   framed cells, ready for the COPY stream
Sampled values (pools, choices, booleans, skewed numbers) come from urns: 65,536 slots
of final encoded cells, NULLs included, so a row costs one C-level lookup per column.
Keys and foreign keys are in keys.py, JSON objects and arrays in structured.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import struct
from decimal import Decimal
from itertools import repeat
from operator import add, mul
from typing import Any, Iterable

from . import distributions as D
from .encode import (NULL, PG_EPOCH, encode_value, frame, json_fragment, numeric_payload, pack_fixed, split_fixed,
                     split_rows)
from .pgtypes import FIXED, FLOAT, INTEGER, INT_RANGE, PgType

JSON = "jsonfrag"          # pseudo family: JSON text fragments, for keys inside JSON columns
_US_PER_DAY = 86_400_000_000


class Chunk:
    """One chunk of one table: its rows and its seeded random streams."""

    def __init__(self, seed: int, table: str, offset: int, index: int, lo: int, n: int):
        self.seed, self.table, self.offset, self.index, self.lo, self.n = seed, table, offset, index, lo, n
        self.values: dict[str, list[Any]] = {}
        self.rows: dict[str, list[int]] = {}     # foreign keys: the parent row of each row
        self.memo: dict[int, Any] = {}                     # lookups through those (related.py)

    def rng(self, key: str) -> random.Random:
        # str seeds are hashed with SHA-512: the same in every process and run
        return random.Random(f"{self.seed}/{self.table}/{key}/{self.offset}/{self.index}")


class Gen:
    family: str = ""
    folded = False   # NULLs (and for JSON keys: the key and its omission) are already in the output

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        raise NotImplementedError

    def at(self, idx: list[int]) -> list[Any]:
        raise TypeError(f"{type(self).__name__} values cannot be looked up by row")


def to_family(values: list[Any], family: str, scale: int = 2, decimals: int | None = None) -> list[Any]:
    """Numbers in the domain of `family` (ints for integers, scaled ints for numeric...)."""
    if family in INTEGER:
        lo, hi = INT_RANGE[family]
        return [lo if v < lo else hi if v > hi else v for v in (int(round(x)) for x in values)]
    if family == "numeric":
        m = 10 ** scale
        return [int(round(x * m)) for x in values]
    if family in FLOAT:
        return values if decimals is None else [round(x, decimals) for x in values]
    if family == JSON:
        if decimals == 0 or (decimals is None and all(isinstance(x, int) for x in values[:16])):
            return list(map(b"%d".__mod__, (int(round(x)) for x in values)))
        return list(map((b"%%.%df" % (2 if decimals is None else decimals)).__mod__, values))
    raise ValueError(f"numbers cannot fill {family}")


def payloads(family: str, values: list[Any], scale: int = 2) -> list[bytes]:
    """Payload bytes of family-domain values (variable-width output, arrays, urns)."""
    if family == "numeric":
        return [numeric_payload(v, scale) for v in values]
    if family not in FIXED:   # text, json, inet, arrays, intervals...: values are payloads
        return values
    blob = pack_fixed(family, values)
    w = FIXED[family][1]
    return [blob[i:i + w] for i in range(0, len(blob), w)]


def python_values(family: str, values: list[Any], ptype: PgType | None, scale: int = 2) -> list[Any]:
    """Python objects (a Faker pool, a choice list) in the family's domain, encoded once."""
    if family == JSON:
        return [json_fragment(v) for v in values]
    if family in INTEGER:
        return [int(v) for v in values]
    if family in FLOAT:
        return [float(v) for v in values]
    if family == "bool":
        return [1 if v else 0 for v in values]
    if family == "numeric":
        m = 10 ** scale
        return [int((Decimal(str(v)) * m).to_integral_value()) for v in values]

    def enc(v: Any) -> bytes:
        assert ptype is not None   # the families below are encoded by their type
        return encode_value(ptype, v)

    if family in ("timestamp", "date", "time"):
        code = ">i" if family == "date" else ">q"
        return [struct.unpack(code, enc(v))[0] for v in values]
    return [enc(v) for v in values]


# -- sampled values: urns -------------------------------------------------------------

class UrnGen(Gen):
    """Draws from 65,536 slots of final outputs: pools, choices, booleans, skewed numbers."""

    def __init__(self, family: str, values: list[Any], weights: list[float] | None, *, null: float = 0.0,
                 cells: bool = False, scale: int = 2, raw: bool = False):
        """values are in the family's domain; cells=True: emit framed cells (NULLs folded in);
        raw=True: always the values (another column is computed from them)."""
        values, weights = _merge(values, weights)
        self.family, self.values, self.weights, self.scale = family, values, weights, scale
        self.cells = (cells or family not in FIXED) and not raw
        if family == JSON:
            self.cells = False
        if self.cells:
            entries = frame(payloads(family, values, scale))
            self._set(entries, weights, null, NULL)
            self.folded = True
        else:
            self._set(values, weights, 0.0, None)

    def _set(self, entries: list[Any], weights: list[float] | None, null: float, null_entry: bytes | None) -> None:
        if null > 0:
            weights = weights or [1.0] * len(entries)
            total = sum(weights)
            weights = [w / total * (1 - null) for w in weights] + [null]
            entries = list(entries) + [null_entry]
        self.direct = len(entries) > D.URN_SIZE
        self.entries, self.entry_weights = list(entries), weights   # what the urn holds, once each
        self.table = entries if self.direct else D.urn(entries, weights)
        self.cum = D.cumulative(weights) if self.direct and weights else None

    def fold_json(self, prefix: bytes, null: float, omit: float) -> None:
        """For a JSON key: slots hold the whole '"key": value' piece, b"" when omitted."""
        entries = [prefix + v for v in self.values]
        weights = self.weights or [1.0] * len(entries)
        total = sum(weights)
        weights = [w / total * (1 - null - omit) for w in weights]
        if null > 0:
            entries.append(prefix + b"null")
            weights.append(null)
        if omit > 0:
            entries.append(b"")
            weights.append(omit)
        self._set(entries, weights, 0.0, None)
        self.folded = True

    def wrap(self, before: bytes, after: bytes) -> None:
        """Every slot's piece between two constants (a JSON object's head or closing brace)."""
        self._set([before + e + after for e in self.entries], self.entry_weights, 0.0, None)

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        rng = c.rng(key)
        if self.direct:
            out = rng.choices(self.table, cum_weights=self.cum, k=c.n)
        else:
            out = D.draw(rng, self.table, c.n)
        return ("cells" if self.cells else "values"), out


def _merge(values: list[Any], weights: list[float] | None) -> tuple[list[Any], list[float] | None]:
    """Equal values merged, weights summed: fewer, hotter objects in the urn."""
    acc: dict[str, Any] = {}
    for v, w in zip(values, weights or repeat(1.0)):
        acc[v] = acc.get(v, 0.0) + w
    if len(acc) == len(values):
        return values, weights
    return list(acc), list(acc.values())


class NumberGen(Gen):
    """Uniform numbers (skewed ones are urns of quantiles, see generate.py)."""

    def __init__(self, family: str, lo: float, hi: float, scale: int = 2, decimals: int | None = None) -> None:
        self.family, self.lo, self.hi, self.scale, self.decimals = family, lo, hi, scale, decimals
        ints = isinstance(lo, int) and isinstance(hi, int)
        if family in INTEGER or (family == JSON and (ints or decimals == 0)):
            self.mode, self.ilo, self.ihi = "int", int(lo), int(hi)
        elif family == "numeric":
            m = 10 ** scale
            self.mode, self.ilo, self.ihi = "int", int(round(lo * m)), int(round(hi * m))
        else:
            self.mode = "float"

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        rng = c.rng(key)
        if self.mode == "int":
            vals = D.uniform_ints(rng, self.ilo, self.ihi, c.n)
            return "values", (list(map(b"%d".__mod__, vals)) if self.family == JSON else vals)
        floats = D.uniform_floats(rng, float(self.lo), float(self.hi), c.n)
        return "values", to_family(floats, self.family, self.scale, self.decimals)


class AboveGen(Gen):
    """Another number column of the row plus a gap drawn in [lo, hi], kept in [min, max]:
    `hi > lo` holds on every row (a CHECK (lo < hi) that --infer respects)."""

    def __init__(self, family: str, base: str, lo: float, hi: float, vmin: float | None, vmax: float | None,
                 scale: int = 2, decimals: int | None = None) -> None:
        self.family, self.base = family, base
        self.gap = NumberGen(family, lo, hi, scale, decimals)
        it = iter(to_family([x for x in (vmin, vmax) if x is not None], family, scale))
        self.vmin = next(it) if vmin is not None else None
        self.vmax = next(it) if vmax is not None else None
        if family in INTEGER:
            lo_t, hi_t = INT_RANGE[family]
            self.vmin = lo_t if self.vmin is None else max(self.vmin, lo_t)
            self.vmax = hi_t if self.vmax is None else min(self.vmax, hi_t)

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        out = list(map(add, c.values[self.base], self.gap.produce(c, key)[1]))
        if self.vmax is not None:
            out = list(map(min, out, repeat(self.vmax)))
        if self.vmin is not None:
            out = list(map(max, out, repeat(self.vmin)))
        return "values", out


# -- time ------------------------------------------------------------------------

class TimeGen(Gen):
    def __init__(self, family: str, params: dict[str, Any], rows: int, offset: int, start: int = 0, end: int = 0):
        self.family, self.rows, self.offset, self.start, self.end = family, rows, offset, start, end
        self.mode = params.get("mode", "uniform")
        self.after = params.get("after")
        if self.after:
            lo, hi = D.duration_us(params.get("min_delay", 0)), D.duration_us(params.get("max_delay", "30d"))
            self.delays = D.spread_urn(lo, hi)
        elif self.mode == "sequential":
            j = D.duration_us(params.get("jitter", 0))
            self.jitter = D.spread_urn(-j, j) if j > 0 else None
        elif self.mode == "recent":
            self.coarse, self.width = D.recent_table(start, end, float(params.get("power", 2.0)))

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        rng = c.rng(key)
        if self.after:
            base: Iterable[int] = c.values[self.after]
            if self.family == "date":
                base = map(mul, base, repeat(_US_PER_DAY))
            us = list(map(add, base, D.draw(rng, self.delays, c.n)))
        elif self.mode == "sequential":
            step = (self.end - self.start) / max(self.rows, 1)
            # (--append continues past end, as a log does)
            us = D.sequential_times(rng, self.start, step, self.jitter, self.offset + c.lo, c.n,
                                    None if self.offset else self.end)
        elif self.mode == "recent":
            us = D.recent_times(rng, self.coarse, self.width, self.offset + c.lo, c.n)
        else:
            us = D.uniform_ints(rng, self.start, self.end, c.n)
        return "values", self.convert(us)

    def convert(self, us: list[int]) -> list[Any]:
        if self.family == "timestamp":
            return us
        if self.family == "date":
            return [u // _US_PER_DAY for u in us]
        if self.family == "time":
            return [u % _US_PER_DAY for u in us]
        # JSON: ISO 8601 strings
        return [json_fragment((PG_EPOCH + dt.timedelta(microseconds=u)).isoformat().replace("+00:00", "Z"))
                for u in us]


# -- other ------------------------------------------------------------------------

class Ipv4Gen(Gen):
    """Addresses from 1.0.0.0 to 223.255.255.255 (no multicast or reserved first octets)."""

    _FIRST = bytes((x % 223) + 1 for x in range(256))

    def __init__(self, family: str):
        self.family = family

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        n = c.n
        raw = bytearray(c.rng(key).randbytes(4 * n))
        raw[0::4] = raw[0::4].translate(self._FIRST)
        if self.family == "inet":
            buf = bytearray(12 * n)       # length 8, then family, bits, is_cidr, size, address
            buf[3::12], buf[4::12], buf[5::12], buf[7::12] = b"\x08" * n, b"\x02" * n, b"\x20" * n, b"\x04" * n
            for k in range(4):
                buf[8 + k::12] = raw[k::4]
            return "cells", split_rows(bytes(buf), 12)
        vals = [b"%d.%d.%d.%d" % (raw[k], raw[k + 1], raw[k + 2], raw[k + 3]) for k in range(0, 4 * n, 4)]
        return "values", [b'"' + v + b'"' for v in vals] if self.family == JSON else vals


def encode_cells(family: str, kind: str, data: Any, scale: int) -> list[bytes]:
    """Framed cells of any generator output (for variable-width or nullable columns)."""
    if kind == "cells":
        cells: list[bytes] = data
        return cells
    if kind == "blob":
        return split_fixed(data, 16)
    if family in FIXED:
        return split_fixed(pack_fixed(family, data), FIXED[family][1])
    return frame(payloads(family, data, scale))


@functools.lru_cache(maxsize=64)
def _null_urn(p: float) -> list[Any]:
    return D.urn([True, False], [p, 1 - p])


def with_nulls(cells: list[bytes], rng: random.Random, p: float) -> list[bytes]:
    flags = D.draw(rng, _null_urn(p), len(cells))
    return [NULL if f else v for v, f in zip(cells, flags)]
