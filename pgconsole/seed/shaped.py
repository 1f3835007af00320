"""Columns shaped like a production column's statistics (`seed --like`, `gen = "shaped"`).

    status  = { type = "text", gen = "shaped", mcv = [["paid", 0.9], ["new", 0.07]], n_distinct = 4 }
    amount  = { type = "numeric(10,2)", gen = "shaped", histogram = [0.5, 3.2, ...], n_distinct = -0.4 }
    name    = { type = "text", gen = "shaped", mcv_freqs = [0.01, 0.008], faker = "name", n_distinct = 9000 }
    user_id = { type = "bigint", ref = "users.id", dist = "shaped", mcv = [[0.0012, 0.05]], histogram = [...] }

A row takes one of the most common values at its frequency (an urn), or else a value of
the rest: n_distinct - (number of MCVs) distinct values spread as the histogram says
(equal-frequency buckets, interpolated inside), picked by a permutation of the row number
(every rest value used about equally) or, when `order` (pg_stats' correlation) says the
table is physically ordered by the column, in row order. mcv_freqs without values: the
values are generated (Faker, or letters of `length`), never the source's. A foreign key's
shape is in fractions of the parent's rows. Everything is C-level maps over the chunk.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from itertools import repeat
from operator import add, floordiv, getitem, mod, mul, sub, truediv
from typing import Any

from . import distributions as D
from .columns import Chunk, Gen, python_values
from .pgtypes import PgType

ORDERED = 0.5     # |correlation| from which rows follow the column's order


def distinct(n_distinct: float, rows: int) -> int:
    """pg_stats' n_distinct as a count for a table of `rows` rows."""
    d = -n_distinct * rows if n_distinct < 0 else n_distinct
    return max(1, min(rows, int(round(d)))) if rows else 1


class Shape:
    """Row -> which MCV it takes (0..K-1, or K: a rest value), and which rest value.

    The rest follows the histogram: a row falls in each equal-frequency bucket as often as
    in any other (by a permutation of its number, or in row order when `order` says the
    table is ordered by the column), and inside its bucket takes one of the bucket's share
    of the distinct values. Shares are as even as the buckets allow (an integer bucket
    [3, 5] holds 3 values at most) and allow for the rows that are NULL or an MCV, so the
    distinct count comes out as the statistics say.
    """

    def __init__(self, freqs: list[float], null: float, n_distinct: float, order: float, rows: int, salt: int,
                 bounds: list[Any] | None = None, ints: bool = True, taken: list[Any] | None = None):
        self.k = len(freqs)
        keep = max(1e-9, 1.0 - null)                   # MCV freqs count NULL rows; these rows are not NULL
        rest = max(0.0, keep - sum(freqs))
        if self.k and distinct(n_distinct, rows) <= self.k:
            rest = 0.0     # the MCVs are all the values (their float4 freqs may not quite sum to 1)
        weights = [f / keep for f in freqs] + [rest / keep]
        if sum(weights) <= 0:
            weights[-1] = 1.0
        self.urn = D.urn(list(range(self.k + 1)), weights)
        self.rows = max(rows, 1)
        self.order = order
        self.a, self.b = D.coprime_multiplier(self.rows, salt), salt % self.rows
        share = keep * weights[-1] / sum(weights)     # of all rows, those taking a rest value
        want = max(1, distinct(n_distinct, rows) - self.k)
        bounds = list(bounds) if bounds and len(bounds) >= 2 else [0, 1 << 62]
        nb = len(bounds) - 1
        self.lo = bounds[:-1]
        self.width = list(map(sub, bounds[1:], self.lo))
        # integers: the MCVs' values are not rest values (pg_stats' histogram leaves them out)
        taken = sorted(set(taken or ())) if ints else []
        inside = [bisect_left(taken, lo + w) - bisect_left(taken, lo) for lo, w in zip(self.lo, self.width)]
        cap = [int(w) + 1 if not k else max(1, int(w) - k) for w, k in zip(self.width, inside)] if ints \
            else [1 << 62] * nb
        self.start = [-(-b * self.rows // nb) for b in range(nb + 1)]
        self.span = [max(1, self.start[b + 1] - self.start[b]) for b in range(nb)]
        self.nb = nb
        self.count = [min(cap[b], max(1, _modulus(d, self.span[b], share))) for b, d in enumerate(_fill(want, cap))]
        self.remap = _avoid(taken, self.lo, self.width, self.count) if taken else {}

    def picks(self, rng: random.Random, n: int) -> list[int]:
        return D.draw(rng, self.urn, n)

    def place(self, first: int, n: int) -> tuple[list[int], list[int]]:
        """(bucket, index of the value inside the bucket) of the rest value of each row."""
        ordered = abs(self.order) >= ORDERED
        if ordered:
            u = map(mod, range(first, first + n), repeat(self.rows))
            if self.order < 0:
                u = map(sub, repeat(self.rows - 1), u)
        else:
            a = self.a
            u = map(mod, range(first * a + self.b, (first + n) * a + self.b, a), repeat(self.rows))
        if self.nb == 1:   # one bucket (text): no bucket arithmetic
            c = self.count[0]
            k = map(floordiv, map(mul, u, repeat(c)), repeat(self.span[0])) if ordered else map(mod, u, repeat(c))
            return [0] * n, list(k)
        us = list(u)
        bucket = list(map(floordiv, map(mul, us, repeat(self.nb)), repeat(self.rows)))
        v = map(sub, us, map(self.start.__getitem__, bucket))
        counts = map(self.count.__getitem__, bucket)
        if ordered:   # values rise with the row inside the bucket too
            k = map(floordiv, map(mul, v, counts), map(self.span.__getitem__, bucket))
        else:
            k = map(mod, v, counts)
        return bucket, list(k)

    def values(self, first: int, n: int, ints: bool) -> list[Any]:
        """Rest values spread over each bucket: lo + index * width / count (an MCV's value
        moved to a free one of its bucket)."""
        bucket, k = self.place(first, n)
        inside = map(mul, k, map(self.width.__getitem__, bucket))
        inside = map(floordiv if ints else truediv, inside, map(self.count.__getitem__, bucket))
        out = list(map(add, map(self.lo.__getitem__, bucket), inside))
        return list(map(self.remap.get, out, out)) if self.remap else out


def _produced(v: int, lo: int, w: int, count: int) -> bool:
    """Whether lo + k * w // count gives v for some k in [0, count)."""
    d = v - lo
    if d < 0 or w <= 0:
        return d == 0 and count > 0
    k = -(-d * count // w)
    return k < count and k * w // count == d


def _avoid(taken: list[int], los: list[Any], widths: list[Any], counts: list[int]) -> dict[int, int]:
    """Rest values that are an MCV's, each to a free integer of the same bucket (the caps
    left room for them). Python per MCV, once; none per row."""
    out: dict[int, int] = {}
    blocked = set(taken)
    for lo, w, count in zip(los, widths, counts):
        lo, w = int(lo), int(w)
        for v in taken[bisect_left(taken, lo):bisect_left(taken, lo + w)]:
            if not _produced(v, lo, w, count):
                continue
            for step in range(1, w + 1):
                free = next((x for x in (v + step, v - step) if lo <= x < lo + w and x not in blocked
                             and not _produced(x, lo, w, count)), None)
                if free is not None:
                    out[v] = free
                    blocked.add(free)
                    break
    return out


def _fill(total: int, caps: list[int]) -> list[int]:
    """total spread over the buckets as evenly as their capacities allow."""
    out, left, open_ = [0] * len(caps), total, list(range(len(caps)))
    while left > 0 and open_:
        each = max(1, left // len(open_))
        still = []
        for b in open_:
            take = min(each, caps[b] - out[b], left)
            out[b] += take
            left -= take
            if out[b] < caps[b]:
                still.append(b)
        open_ = still
    return out


def _modulus(d: int, span: int, share: float) -> int:
    """How many values to cycle through in a bucket of `span` rows so that the rows taking a
    rest value (a `share` of them, at random) show d distinct ones: m (1 - (1-share)^(span/m)) = d."""
    if share >= 0.999:
        return min(d, span)
    if d >= span * share:
        return span
    lo, hi = float(d), float(span)
    for _ in range(40):
        m = (lo + hi) / 2
        if m * (1 - (1 - share) ** (span / m)) < d:
            lo = m
        else:
            hi = m
    return int(round(hi))


def choose(picks: list[int], mcvs: list[Any], rest: list[Any]) -> list[Any]:
    """Row by row: the MCV it picked, or its rest value (no Python per row: tuples and getitem)."""
    flags = [0] * len(mcvs) + [1]
    first = mcvs + [None]
    return list(map(getitem, zip(map(first.__getitem__, picks), rest), map(flags.__getitem__, picks)))


class ShapedGen(Gen):
    """Values of a column family from MCVs and a histogram (numbers, times, booleans), or
    from MCVs and a pool of generated text values (`pool`: bytes, made distinct by index)."""

    def __init__(self, family: str, ptype: PgType | None, p: dict[str, Any], null: float, rows: int, offset: int, salt: int, scale: int,
                 pool: list[bytes] | None = None):
        self.family, self.offset = family, offset
        mcv = p.get("mcv") or []
        freqs = [float(f) for _, f in mcv] if mcv else [float(f) for f in p.get("mcv_freqs", [])]
        self.ints = family not in ("float4", "float8")
        self.max_len = getattr(ptype, "max_len", None)
        bounds = None
        self.table = None
        self.pool: list[bytes] | None
        if pool is not None:   # text: generated values, the first len(freqs) for the MCVs
            self.pool = pool
            self.mcvs = [self._text(k) for k in range(len(freqs))] if not mcv else \
                python_values(family, [v for v, _ in mcv], ptype, scale)
            if mcv and p.get("histogram"):   # --keep-values text: the rest from the kept bounds
                self.pool = python_values(family, p["histogram"], ptype, scale)
        else:
            self.pool = None
            self.mcvs = python_values(family, [v for v, _ in mcv], ptype, scale)
            hist = p.get("histogram") or [v for v, _ in mcv] or [0, 0]
            bounds = sorted(python_values(family, hist, ptype, scale))
        self.shape = Shape(freqs, null, float(p.get("n_distinct", -1)), float(p.get("order", 0)), rows, salt,
                           bounds, self.ints, self.mcvs if pool is None else None)
        if pool is not None and self.shape.count[0] <= D.URN_SIZE:   # few enough: list them once
            self.table = self._texts(list(range(self.shape.count[0])))

    def _text(self, k: int) -> bytes:
        pool = self.pool
        assert pool is not None   # text: values made from the pool
        n = len(pool)
        v = pool[k % n] + (b"" if k < n else b"-%d" % (k // n))
        return v[:self.max_len] if self.max_len else v

    def rest_values(self, first: int, n: int) -> list[Any]:
        if self.pool is None:
            return self.shape.values(first, n, self.ints)
        k = self.shape.place(first, n)[1]
        return list(map(self.table.__getitem__, k)) if self.table is not None else self._texts(k)

    def _texts(self, ranks: list[int]) -> list[bytes]:
        """The rest's text values of these ranks: pool values after the MCVs', made distinct."""
        pool = self.pool
        assert pool is not None   # text: values made from the pool
        k, size = len(self.mcvs), len(pool)
        idx = list(map(add, ranks, repeat(k)))
        base = list(map(pool.__getitem__, map(mod, idx, repeat(size))))
        over = list(map(floordiv, idx, repeat(size)))
        if max(over, default=0) > 0:
            suffixes = [b""] + [b"-%d" % j for j in range(1, max(over) + 1)]
            base = list(map(add, base, map(suffixes.__getitem__, over)))
        if self.max_len:
            base = list(map(bytes.__getitem__, base, repeat(slice(0, self.max_len))))
        return base

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        rest = self.rest_values(self.offset + c.lo, c.n)
        if not self.mcvs:
            return "values", rest
        return "values", choose(self.shape.picks(c.rng(key), c.n), self.mcvs, rest)


class ShapedRows:
    """A foreign key's parent rows shaped like the source's FK column: its MCVs and histogram
    are fractions of the parent's key range, mapped onto the parent's rows."""

    def __init__(self, p: dict[str, Any], null: float, count: int, rows: int, salt: int):
        self.count = count
        mcv = p.get("mcv") or []
        self.mcvs = [self._row(f) for f, _ in mcv]
        hist = p.get("histogram") or [0.0, 1.0]
        bounds = sorted(self._row(x) for x in hist)
        self.shape = Shape([float(f) for _, f in mcv], null, float(p.get("n_distinct", -1)),
                           float(p.get("order", 0)), rows, salt, bounds, True, self.mcvs)

    def _row(self, frac: float) -> int:
        return max(0, min(self.count - 1, int(round(float(frac) * (self.count - 1)))))

    def rows(self, rng: random.Random, first: int, n: int) -> list[int]:
        rest = self.shape.values(first, n, True)
        return choose(self.shape.picks(rng, n), self.mcvs, rest) if self.mcvs else rest
