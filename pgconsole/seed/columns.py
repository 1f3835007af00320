"""Column generators: each fills a whole chunk of one column at once, in C-level maps.

A generator returns one of three outputs for rows lo..lo+n-1 of its table:
  ("values", list)  values in the column family's domain (ints for integers, times as
                    microseconds since 2000-01-01, dates as days, payload bytes for text...)
  ("blob", bytes)   fixed-width payloads already packed (uuid)
  ("cells", list)   framed cells, ready for the COPY stream
Sampled values (pools, choices, booleans, skewed numbers) come from urns: 65,536 slots
of final encoded cells, NULLs included, so a row costs one C-level lookup per column.
Key generators (serial, uuid, hex, unique text, combos) also answer at(indices): the
values of arbitrary rows, which is how a foreign key gets its parent's key without
reading the parent back from the server.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import struct
import uuid as uuidlib
from decimal import Decimal
from itertools import repeat
from operator import add, and_, floordiv, mod, mul, rshift, xor

from . import distributions as D
from .encode import (NULL, PG_EPOCH, array_payload, encode_value, frame, json_fragment, numeric_payload, pack_fixed,
                     split_fixed)
from .pgtypes import FIXED, FLOAT, INTEGER, INT_RANGE, PgType

JSON = "jsonfrag"          # pseudo family: JSON text fragments, for keys inside JSON columns
_US_PER_DAY = 86_400_000_000
_V4 = bytes(((x & 0x0F) | 0x40) for x in range(256))
_VARIANT = bytes(((x & 0x3F) | 0x80) for x in range(256))
_MIX = 0x9E3779B97F4A7C15F39CC0605CEDC835F1BBCDCBFA53E0AB


class Chunk:
    """One chunk of one table: its rows and its seeded random streams."""

    def __init__(self, seed: int, table: str, offset: int, index: int, lo: int, n: int):
        self.seed, self.table, self.offset, self.index, self.lo, self.n = seed, table, offset, index, lo, n
        self.values: dict[str, list] = {}

    def rng(self, key: str) -> random.Random:
        # str seeds are hashed with SHA-512: the same in every process and run
        return random.Random(f"{self.seed}/{self.table}/{key}/{self.offset}/{self.index}")


class Gen:
    family: str = ""
    folded = False   # NULLs (and for JSON keys: the key and its omission) are already in the output

    def produce(self, c: Chunk, key: str) -> tuple[str, object]:
        raise NotImplementedError

    def at(self, idx) -> list:
        raise TypeError(f"{type(self).__name__} values cannot be looked up by row")


def to_family(values: list, family: str, scale: int = 2, decimals: int | None = None) -> list:
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
    if family == "text":
        return [str(x).encode() for x in values]
    raise ValueError(f"numbers cannot fill {family}")


def payloads(family: str, values: list, scale: int = 2) -> list[bytes]:
    """Payload bytes of family-domain values (variable-width output, arrays, urns)."""
    if family == "numeric":
        return [numeric_payload(v, scale) for v in values]
    if family not in FIXED:   # text, json, inet, arrays, intervals...: values are payloads
        return values
    blob = pack_fixed(family, values)
    w = FIXED[family][1]
    return [blob[i:i + w] for i in range(0, len(blob), w)]


def python_values(family: str, values: list, ptype: PgType | None, scale: int = 2) -> list:
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
    if family in ("timestamp", "date", "time"):
        code = ">i" if family == "date" else ">q"
        return [struct.unpack(code, encode_value(ptype, v))[0] for v in values]
    return [encode_value(ptype, v) for v in values]


# -- sampled values: urns -------------------------------------------------------------

class UrnGen(Gen):
    """Draws from 65,536 slots of final outputs: pools, choices, booleans, skewed numbers."""

    def __init__(self, family: str, values: list, weights: list[float] | None, *, null: float = 0.0,
                 cells: bool = False, scale: int = 2):
        """values are in the family's domain; cells=True: emit framed cells (NULLs folded in)."""
        values, weights = _merge(values, weights)
        self.family, self.values, self.weights, self.scale = family, values, weights, scale
        self.cells = cells or family not in FIXED
        if family == JSON:
            self.cells = False
        if self.cells:
            entries = frame(payloads(family, values, scale))
            self._set(entries, weights, null, NULL)
            self.folded = True
        else:
            self._set(values, weights, 0.0, None)

    def _set(self, entries, weights, null, null_entry) -> None:
        if null > 0:
            weights = weights or [1.0] * len(entries)
            total = sum(weights)
            weights = [w / total * (1 - null) for w in weights] + [null]
            entries = list(entries) + [null_entry]
        self.direct = len(entries) > D.URN_SIZE
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

    def produce(self, c, key):
        rng = c.rng(key)
        if self.direct:
            out = rng.choices(self.table, cum_weights=self.cum, k=c.n)
        else:
            out = D.draw(rng, self.table, c.n)
        return ("cells" if self.cells else "values"), out


def _merge(values: list, weights: list[float] | None) -> tuple[list, list[float] | None]:
    """Equal values merged, weights summed: fewer, hotter objects in the urn."""
    acc: dict = {}
    for v, w in zip(values, weights or repeat(1.0)):
        acc[v] = acc.get(v, 0.0) + w
    if len(acc) == len(values):
        return values, weights
    return list(acc), list(acc.values())


class NumberGen(Gen):
    """Uniform numbers (skewed ones are urns of quantiles, see generate.py)."""

    def __init__(self, family: str, lo, hi, scale: int = 2, decimals: int | None = None):
        self.family, self.lo, self.hi, self.scale, self.decimals = family, lo, hi, scale, decimals
        ints = isinstance(lo, int) and isinstance(hi, int)
        if family in INTEGER or (family == JSON and (ints or decimals == 0)):
            self.mode, self.ilo, self.ihi = "int", int(lo), int(hi)
        elif family == "numeric":
            m = 10 ** scale
            self.mode, self.ilo, self.ihi = "int", int(round(lo * m)), int(round(hi * m))
        else:
            self.mode = "float"

    def produce(self, c, key):
        rng = c.rng(key)
        if self.mode == "int":
            vals = D.uniform_ints(rng, self.ilo, self.ihi, c.n)
            return "values", (list(map(b"%d".__mod__, vals)) if self.family == JSON else vals)
        vals = D.uniform_floats(rng, float(self.lo), float(self.hi), c.n)
        return "values", to_family(vals, self.family, self.scale, self.decimals)


# -- keys -----------------------------------------------------------------------------

class SerialGen(Gen):
    def __init__(self, family: str, offset: int, start: int = 1, step: int = 1, fmt: str | None = None,
                 scale: int = 2):
        self.family, self.offset, self.start, self.step, self.fmt, self.scale = family, offset, start, step, fmt, scale

    def _encode(self, nums) -> list:
        if self.family in ("text", JSON):
            out = list(map(str.encode, map((self.fmt or "{}").format, nums)))
            return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out
        if self.family == "numeric":
            return list(map(mul, nums, repeat(10 ** self.scale)))
        return list(nums)

    def produce(self, c, key):
        st, first = self.step, self.start + (self.offset + c.lo) * self.step
        return "values", self._encode(range(first, first + c.n * st, st))

    def at(self, idx):
        base = self.start + self.offset * self.step
        return self._encode(map(add, map(mul, idx, repeat(self.step)), repeat(base)))


class UuidGen(Gen):
    """Random version-4 UUIDs from a per-chunk stream: rows of one chunk come from one randbytes()."""

    ROW_CACHE = 1_000_000    # parents up to this size keep one bytes object per row for lookups

    def __init__(self, family: str, seed: int, table: str, key: str, offset: int, rows: int, chunk_rows: int):
        self.family, self.seed, self.table, self.key = family, seed, table, key
        self.offset, self.rows, self.chunk_rows = offset, rows, chunk_rows
        self._rows: list[bytes] | None = None
        self._cache: dict[int, bytes] = {}

    def _blob(self, index: int) -> bytes:
        n = min(self.chunk_rows, self.rows - index * self.chunk_rows)
        rng = Chunk(self.seed, self.table, self.offset, index, 0, 0).rng(self.key)
        buf = bytearray(rng.randbytes(16 * n))
        buf[6::16] = buf[6::16].translate(_V4)
        buf[8::16] = buf[8::16].translate(_VARIANT)
        return bytes(buf)

    def _out(self, blob: bytes):
        if self.family == "uuid":
            return "blob", blob
        vals = [str(uuidlib.UUID(bytes=blob[i:i + 16])).encode() for i in range(0, len(blob), 16)]
        return "values", list(map(json_fragment, map(bytes.decode, vals))) if self.family == JSON else vals

    def produce(self, c, key):
        return self._out(self._blob(c.index))

    def at(self, idx):
        if self.rows <= self.ROW_CACHE:
            if self._rows is None:
                rows: list[bytes] = []
                for ci in range((self.rows + self.chunk_rows - 1) // self.chunk_rows):
                    b = self._blob(ci)
                    rows.extend(b[i:i + 16] for i in range(0, len(b), 16))
                self._rows = rows
            parts = list(map(self._rows.__getitem__, idx))
        else:   # a big parent: regenerate the chunks asked for, a bounded number kept
            cr, cache, parts = self.chunk_rows, self._cache, []
            for i in idx:
                ci, k = divmod(i, cr)
                b = cache.get(ci)
                if b is None:
                    if len(cache) >= 256:
                        cache.clear()
                    b = cache[ci] = self._blob(ci)
                parts.append(b[16 * k:16 * k + 16])
        if self.family == "uuid":
            return parts
        return self._out(b"".join(parts))[1]


class HexGen(Gen):
    """Unique hex tokens: an invertible mix of the row number, so they never collide."""

    def __init__(self, family: str, offset: int, length: int, salt: int):
        self.family, self.offset, self.length = family, offset, length
        bits = 4 * length
        self.mask = (1 << bits) - 1
        self.mult = (_MIX & self.mask) | 1          # odd: a bijection modulo 2**bits
        self.salt = salt & self.mask
        self.half = max(bits // 2, 1)
        self.fmt = b"%0" + str(length).encode() + b"x"

    def _encode(self, mixed) -> list:
        xs = list(map(and_, mixed, repeat(self.mask)))
        xs = map(xor, xs, map(rshift, xs, repeat(self.half)))   # x ^ (x >> half): still a bijection
        out = list(map(self.fmt.__mod__, xs))
        return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out

    def produce(self, c, key):
        first = (self.offset + c.lo) * self.mult + self.salt
        return "values", self._encode(range(first, first + c.n * self.mult, self.mult))

    def at(self, idx):
        return self._encode(map(add, map(mul, map(add, idx, repeat(self.offset)), repeat(self.mult)),
                                repeat(self.salt)))


class UniqueTextGen(Gen):
    """Pool values made unique by the row number: 'mary.smith41@example.org', 'blue-river-12'."""

    def __init__(self, family: str, offset: int, pool: list, salt: int, max_len: int | None):
        self.family, self.offset, self.max_len = family, offset, max_len
        lefts, rights = [], []
        for v in pool:
            s = str(v)
            if "@" in s:
                left, right = s.split("@", 1)
                lefts.append(left.encode())
                rights.append(b"@" + right.encode())
            else:
                sep = b" " if (" " in s or not s[-1:].isalnum()) else b"-" if "-" in s else b""
                lefts.append(s.encode() + sep)
                rights.append(b"")
        # the pool cycled into 65,536 slots, picked by a multiple of the row number; the
        # right parts (domains) in another order, so names and domains mix
        size = D.URN_SIZE
        self.lefts = [lefts[k % len(lefts)] for k in range(size)]
        self.rights = [rights[(k * 40503) % size % len(rights)] for k in range(size)]
        self.a = D.coprime_multiplier(size, salt) | 1
        self.b = salt % size
        self.low = [b"%03d" % k for k in range(1000)]   # row number = high part, then 3 digits

    def _encode(self, rows, slots) -> list:
        slots = list(slots)   # read twice: names and domains
        nums = list(map(add, rows, repeat(1)))
        highs = list(map(floordiv, nums, repeat(1000)))
        text = {h: b"%d" % h for h in set(highs)}     # a chunk spans few thousands
        highs = list(map(text.__getitem__, highs))
        lows = list(map(self.low.__getitem__, map(mod, nums, repeat(1000))))
        for i, num in enumerate(nums):
            if num < 1000:                               # no leading zeros below 1000
                highs[i], lows[i] = b"", b"%d" % num
        out = list(map(b"".join, zip(map(self.lefts.__getitem__, slots), highs, lows,
                                     map(self.rights.__getitem__, slots))))
        if self.max_len:
            out = [v if len(v) <= self.max_len else v[-self.max_len:] for v in out]
        return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out

    def produce(self, c, key):
        first, a = self.offset + c.lo, self.a
        slots = map(and_, range(first * a + self.b, (first + c.n) * a + self.b, a), repeat(0xFFFF))
        return "values", self._encode(range(first, first + c.n), slots)

    def at(self, idx):
        rows = list(map(add, idx, repeat(self.offset)))
        return self._encode(rows, map(and_, map(add, map(mul, rows, repeat(self.a)), repeat(self.b)),
                                      repeat(0xFFFF)))


class RefGen(Gen):
    """A foreign key: parent row indices by a cardinality distribution, then the parent's key.

    Parents up to KEY_CACHE rows have their keys listed once per process, in popularity
    order for zipf, so a row costs one list lookup.
    """

    KEY_CACHE = 2_000_000

    def __init__(self, family: str, parent: Gen, count: int, total: int, dist: str, s: float, salt: int,
                 self_ref: bool, group: str | None):
        self.family, self.parent, self.count, self.total = family, parent, count, total
        self.dist, self.salt, self.self_ref, self.group = dist, salt, self_ref, group
        self.zipf = D.ZipfIndex(count, s) if dist == "zipf" else None
        self._keys: list | None = None

    def _rank_to_row(self, ranks: list[int]) -> list[int]:
        return D.scramble(ranks, self.count, self.salt) if self.dist == "zipf" else ranks

    def indices(self, c: Chunk, key: str) -> list[int]:
        rng = c.rng("fk:" + self.group if self.group else key)
        if self.self_ref and self.dist == "uniform":
            r = rng.random
            return [int(r() * i) for i in range(c.lo, c.lo + c.n)]   # an earlier row: trees, not loops
        return D.ref_indices(rng, self.dist, self.count, c.lo, c.n, self.total, self.salt, self.zipf)

    def keys(self, idx: list[int]) -> list:
        if self.self_ref and self.dist == "uniform" or self.count > self.KEY_CACHE:
            return self.parent.at(self._rank_to_row(idx))
        if self._keys is None:
            self._keys = self.parent.at(self._rank_to_row(list(range(self.count))))
        return list(map(self._keys.__getitem__, idx))

    def produce(self, c, key):
        vals = self.keys(self.indices(c, key))
        if self.family == "uuid":
            return "blob", b"".join(vals)
        return "values", vals


class ComboGen(Gen):
    """One column of a composite unique key, enumerated: row i gets digit (perm(i) // stride) % size."""

    def __init__(self, family: str, inner, size: int, stride: int, product: int, offset: int, salt: int):
        self.family, self.inner, self.size, self.stride = family, inner, size, stride
        self.product, self.offset = product, offset
        self.a, self.b = D.coprime_multiplier(product, salt), salt % product

    def at(self, idx):
        a, b, P, st, sz, off = self.a, self.b, self.product, self.stride, self.size, self.offset
        return self.inner([(((off + i) * a + b) % P // st) % sz for i in idx])

    def produce(self, c, key):
        vals = self.at(range(c.lo, c.lo + c.n))
        if self.family == "uuid":
            return "blob", b"".join(vals)
        return "values", vals


# -- time ------------------------------------------------------------------------

class TimeGen(Gen):
    def __init__(self, family: str, params: dict, rows: int, offset: int, start: int = 0, end: int = 0):
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
            self.coarse, self.fine = D.recent_table(start, end, float(params.get("power", 2.0)))

    def produce(self, c, key):
        rng = c.rng(key)
        if self.after:
            base = c.values[self.after]
            if self.family == "date":
                base = map(mul, base, repeat(_US_PER_DAY))
            us = list(map(add, base, D.draw(rng, self.delays, c.n)))
        elif self.mode == "sequential":
            step = (self.end - self.start) / max(self.rows, 1)
            us = D.sequential_times(rng, self.start, step, self.jitter, self.offset + c.lo, c.n)
        elif self.mode == "recent":
            us = D.recent_times(rng, self.coarse, self.fine, c.n)
        else:
            us = D.uniform_ints(rng, self.start, self.end, c.n)
        return "values", self.convert(us)

    def convert(self, us: list[int]) -> list:
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

    def produce(self, c, key):
        n = c.n
        raw = bytearray(c.rng(key).randbytes(4 * n))
        raw[0::4] = raw[0::4].translate(self._FIRST)
        if self.family == "inet":
            buf = bytearray(12 * n)       # length 8, then family, bits, is_cidr, size, address
            buf[3::12], buf[4::12], buf[5::12], buf[7::12] = b"\x08" * n, b"\x02" * n, b"\x20" * n, b"\x04" * n
            for k in range(4):
                buf[8 + k::12] = raw[k::4]
            data = bytes(buf)
            return "cells", [data[i:i + 12] for i in range(0, 12 * n, 12)]
        vals = [b"%d.%d.%d.%d" % (raw[k], raw[k + 1], raw[k + 2], raw[k + 3]) for k in range(0, 4 * n, 4)]
        return "values", [b'"' + v + b'"' for v in vals] if self.family == JSON else vals


class JsonGen(Gen):
    """An object from per-key generators, assembled with joins (no json.dumps per row).

    Keys that are always present come first; later keys carry their own ', "key": '
    prefix and are b"" when omitted, so no row needs Python to place commas (jsonb sorts
    keys anyway). When every key is drawn from a small urn, all objects are listed once
    and a row is one draw.
    """

    COMBOS = 4096

    def __init__(self, family: str, fields: list[tuple[str, Gen, float, float]], null: float = 0.0):
        self.family = family
        fields = sorted(fields, key=lambda f: f[3] > 0)   # stable: present keys first
        self.fields = []
        self.slow = bool(fields) and fields[0][3] > 0      # every key optional: commas per row
        for k, (name, gen, null_, omit) in enumerate(fields):
            prefix = (b"" if k == 0 or self.slow else b", ") + json_fragment(name) + b": "
            if isinstance(gen, UrnGen) and not self.slow:
                gen.fold_json(prefix, null_, omit)
            self.fields.append((name, gen, null_, omit, prefix))
        self.head = (b"\x01" if family == "jsonb" else b"") + b"{"
        self.whole = self._collapse(null)
        self.folded = self.whole is not None and self.whole.folded

    def _collapse(self, null: float) -> UrnGen | None:
        gens = [f[1] for f in self.fields]
        if self.slow or not gens or not all(isinstance(g, UrnGen) and not g.direct for g in gens):
            return None
        pieces = [_merge(g.table, None) for g in gens]
        if math.prod(len(v) for v, _ in pieces) > self.COMBOS:
            return None
        objects, weights = [self.head + b"}"], [1.0]
        for vals, ws in pieces:
            objects = [o[:-1] + v + b"}" for o in objects for v in vals]
            weights = [w * x for w in weights for x in ws]
        return UrnGen(self.family, objects, weights, null=null, cells=self.family != JSON)

    def produce(self, c, key):
        if self.whole is not None:
            return self.whole.produce(c, key)
        n, cols = c.n, []
        for name, gen, null, omit, prefix in self.fields:
            kind, vals = gen.produce(c, f"{key}.{name}")
            if not gen.folded:
                if null > 0:
                    r = c.rng(f"{key}.{name}:null").random
                    vals = [b"null" if r() < null else v for v in vals]
                if omit > 0:
                    r = c.rng(f"{key}.{name}:omit").random
                    vals = [b"" if r() < omit else prefix + v for v in vals]
                else:
                    vals = list(map(add, repeat(prefix), vals))
            cols.append(vals)
        head = self.head
        if self.slow:
            return "values", [head + b", ".join([p for p in t if p]) + b"}" for t in zip(*cols)]
        return "values", list(map(b"".join, zip(repeat(head, n), *cols, repeat(b"}", n))))


class ListGen(Gen):
    """Arrays (PostgreSQL arrays or JSON lists) of min..max elements."""

    def __init__(self, family: str, item: Gen, lo: int, hi: int, elem: PgType | None):
        self.family, self.item, self.lo, self.hi, self.elem = family, item, lo, hi, elem

    def produce(self, c, key):
        lengths = D.uniform_ints(c.rng(key + ":len"), self.lo, self.hi, c.n)
        total = sum(lengths)
        sub = Chunk(c.seed, c.table, c.offset, c.index, 0, total)
        kind, vals = self.item.produce(sub, key + "[]")
        if kind == "blob":
            vals = [vals[i:i + 16] for i in range(0, len(vals), 16)]
        elif kind == "cells":
            vals = [v[4:] for v in vals]   # element payloads: the array frames them itself
        elif self.family != JSON:
            vals = payloads(self.item.family, vals)
        out, k = [], 0
        for ln in lengths:
            part = vals[k:k + ln]
            out.append(b"[" + b", ".join(part) + b"]" if self.family == JSON else array_payload(self.elem, part))
            k += ln
        return "values", out


def encode_cells(family: str, kind: str, data, scale: int) -> list[bytes]:
    """Framed cells of any generator output (for variable-width or nullable columns)."""
    if kind == "cells":
        return data
    if kind == "blob":
        return split_fixed(data, 16)
    if family in FIXED:
        return split_fixed(pack_fixed(family, data), FIXED[family][1])
    return frame(payloads(family, data, scale))


@functools.lru_cache(maxsize=64)
def _null_urn(p: float) -> list:
    return D.urn([True, False], [p, 1 - p])


def with_nulls(cells: list[bytes], rng, p: float) -> list[bytes]:
    flags = D.draw(rng, _null_urn(p), len(cells))
    return [NULL if f else v for v, f in zip(cells, flags)]
