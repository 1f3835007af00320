"""Random samplers over a seeded random.Random, one list per call (no per-cell objects).

Every sampler takes the generator and a count n and returns a list, so callers stay
column-wise, and works in C-level map() calls over random bytes. Skewed laws become
urns: 65,536 slots of quantiles, drawn with one random 16-bit index per value.
Pure: the same rng state gives the same list on every machine.
"""

from __future__ import annotations

import functools
import heapq
import math
import random
import re
import statistics
import sys
from array import array
from bisect import bisect_right
from itertools import accumulate, repeat
from math import gcd
from operator import add, and_, mod, mul, rshift
from typing import Any, Sequence

# numeric distributions a column may name, with their required and optional parameters
NUMERIC = {
    "uniform": ({"min", "max"}, set()),
    "normal": ({"mean", "stddev"}, {"min", "max"}),
    "lognormal": ({"median", "sigma"}, {"min", "max"}),
    "exponential": ({"mean"}, {"min", "max"}),
    "zipf": ({"min", "max"}, {"s"}),
}
REF_DISTS = ("uniform", "zipf", "sequential", "even", "unique", "shaped")
URN_SIZE = 1 << 16      # slots of a sampling urn: one random 16-bit index picks a slot
_U64 = "Q" if array("Q").itemsize == 8 else "L"


def _words(rng: random.Random, code: str, n: int) -> array[int]:
    a = array(code, rng.randbytes(array(code).itemsize * n))
    if sys.byteorder == "big":
        a.byteswap()   # the same data on every machine
    return a


def urn(values: list[Any], weights: list[float] | None = None) -> list[Any]:
    """URN_SIZE slots holding each value about weight/total of the time.

    Drawing is then one C-level map over random 16-bit indices: no Python per value.
    Slots are apportioned by largest remainder; when values are few enough, every value
    with a weight keeps at least one slot (1/65,536 is the resolution).
    """
    k = len(values)
    if k > URN_SIZE:
        raise ValueError("too many values for an urn")
    weights = [1.0] * k if weights is None else [float(w) for w in weights]
    total = sum(weights)
    exact = [w * URN_SIZE / total for w in weights]
    counts = [int(x) for x in exact]
    left = URN_SIZE - sum(counts)
    for i in sorted(range(k), key=lambda i: exact[i] - counts[i], reverse=True)[:left]:
        counts[i] += 1
    if k <= URN_SIZE // 4:
        missing = [i for i in range(k) if weights[i] > 0 and counts[i] == 0]
        donors = [(-c, i) for i, c in enumerate(counts) if c > 1]
        heapq.heapify(donors)
        for m in missing:   # a rare value takes a slot from the most common one
            c, i = heapq.heappop(donors)
            counts[i], counts[m] = -c - 1, 1
            if -c - 1 > 1:
                heapq.heappush(donors, (c + 1, i))
    table: list[Any] = []
    for v, c in zip(values, counts):
        table.extend([v] * c)
    return table


def words32(rng: random.Random, n: int) -> array[int]:
    """n random 32-bit words."""
    return _words(rng, "I" if array("I").itemsize == 4 else "L", n)


def draw(rng: random.Random, table: Sequence[Any], n: int) -> list[Any]:
    """n values from an urn (a list of exactly URN_SIZE slots)."""
    return list(map(table.__getitem__, _words(rng, "H", n)))


def uniform_ints(rng: random.Random, lo: int, hi: int, n: int) -> list[int]:
    """Uniform integers in [lo, hi] by multiply-shift of random 64-bit words (C-level maps)."""
    span = hi - lo + 1
    if span > 1 << 62:
        return [lo + rng.randrange(span) for _ in repeat(None, n)]
    scaled = map(rshift, map(mul, _words(rng, _U64, n), repeat(span)), repeat(64))
    return list(map(add, scaled, repeat(lo))) if lo else list(scaled)


def uniform_floats(rng: random.Random, lo: float, hi: float, n: int) -> list[float]:
    r, span = rng.random, hi - lo
    return [lo + r() * span for _ in repeat(None, n)]


def _clamp(values: list[float], lo: float | None, hi: float | None) -> list[float]:
    if lo is not None:
        values = [lo if v < lo else v for v in values]
    if hi is not None:
        values = [hi if v > hi else v for v in values]
    return values


def quantile_table(dist: str, p: dict[str, Any]) -> list[Any]:
    return list(_quantiles(dist, tuple(sorted(p.items()))))


@functools.lru_cache(maxsize=64)
def _quantiles(dist: str, items: tuple[Any, ...]) -> tuple[Any, ...]:
    """URN_SIZE quantiles of a distribution: drawing from it is inverse-transform sampling."""
    p = dict(items)
    us = [(k + 0.5) / URN_SIZE for k in range(URN_SIZE)]
    lo, hi = p.get("min"), p.get("max")
    if dist in ("normal", "lognormal"):
        mu = p["mean"] if dist == "normal" else math.log(p["median"])
        sd = p["stddev"] if dist == "normal" else p["sigma"]
        vals = _normal_quantiles(mu, sd)
        if dist == "lognormal":
            vals = [math.exp(v) for v in vals]
    elif dist == "exponential":
        vals = [-p["mean"] * math.log(1.0 - u) for u in us]
    elif dist == "zipf":
        base, count, s = int(p["min"]), int(p["max"]) - int(p["min"]) + 1, float(p.get("s", 1.1))   # (lo, hi)
        return tuple(base + k for k in _zipf_ranks(us, count, s))
    else:
        raise ValueError(f"no quantile table for {dist!r}")
    return tuple(_clamp(vals, lo, hi))


def _normal_quantiles(mu: float, sd: float) -> list[float]:
    """URN_SIZE normal quantiles: exact every 16th slot and in the tails, linear between
    (inv_cdf is pure Python: 65,536 calls would take a tenth of a second)."""
    inv = statistics.NormalDist(mu, sd).inv_cdf
    step, tail = 16, 64
    grid = {k: inv((k + 0.5) / URN_SIZE) for k in range(0, URN_SIZE, step)}
    grid[URN_SIZE - 1] = inv((URN_SIZE - 0.5) / URN_SIZE)
    out = []
    for k in range(URN_SIZE):
        if k < tail or k >= URN_SIZE - tail:
            out.append(inv((k + 0.5) / URN_SIZE))
            continue
        a = k - k % step
        b = min(a + step, URN_SIZE - 1)
        out.append(grid[a] + (grid[b] - grid[a]) * (k - a) / (b - a))
    return out


def _zipf_ranks(us: Sequence[float], count: int, s: float) -> list[int]:
    """Inverse CDF of Zipf's law over ranks [0, count) at the probabilities us.

    Exact partial sums for the first ranks (where the mass is), the integral of x**-s
    for the tail (count may be millions of parent rows).
    """
    if count <= 1:
        return [0] * len(us)
    k = min(count, 10_000)
    prefix = list(accumulate(x ** -s for x in range(1, k + 1)))
    head = prefix[-1]
    e = 1.0 - s
    lo = k + 0.5
    if count > k:
        tail = math.log((count + 0.5) / lo) if abs(e) < 1e-9 else ((count + 0.5) ** e - lo ** e) / e
    else:
        tail = 0.0
    total, last, out = head + tail, count - 1, []
    for u in us:
        t = u * total
        if t < head:
            r = bisect_right(prefix, t)
        else:
            x = lo * math.exp(t - head) if abs(e) < 1e-9 else (lo ** e + (t - head) * e) ** (1.0 / e)
            r = int(x + 0.5) - 1
        out.append(last if r > last else r)
    return out


def cumulative(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


def coprime_multiplier(count: int, salt: int) -> int:
    """A multiplier coprime with count, so i -> (i * a + b) % count is a permutation.

    Near count/golden ratio, so neighbours land far apart (a = 1 would permute nothing).
    """
    if count <= 2:
        return 1
    a = int(count * 0.6180339887) + salt % max(1, count // 8)
    while gcd(a, count) != 1:
        a += 1
    return a % count or 1


def scramble(ranks: list[int], count: int, salt: int) -> list[int]:
    """Spread ranks over [0, count) by a fixed permutation (popular parents are not all first)."""
    if count <= 2:
        return ranks
    a, b = coprime_multiplier(count, salt), salt % count
    return [(k * a + b) % count for k in ranks]


def ref_indices(rng: random.Random, dist: str, count: int, lo: int, n: int, total: int, salt: int,
                zipf: ZipfIndex | None = None) -> list[int]:
    """Parent row indices for child rows lo..lo+n-1 of a child table with `total` rows.

    For zipf these are popularity ranks: the caller maps rank to parent by a fixed
    permutation (see scramble), so the popular parents are not the first rows.
    """
    if dist == "uniform":
        return uniform_ints(rng, 0, count - 1, n)
    if dist == "zipf":
        assert zipf is not None   # a zipf reference comes with its index
        return zipf.draw(rng, n)
    if dist == "sequential":   # children of one parent are contiguous, about total/count each
        return [(i * count) // total for i in range(lo, lo + n)]
    if dist == "even":          # round robin: every parent gets a child once total >= count
        return [i % count for i in range(lo, lo + n)]
    if dist == "unique":        # one-to-one: a permutation of parent rows
        a, b = coprime_multiplier(count, salt), salt % count
        return [(i * a + b) % count for i in range(lo, lo + n)]
    raise ValueError(f"unknown ref distribution {dist!r}")


_DURATION_RE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(us|ms|s|m|min|h|d|w)?\s*$")
_UNIT_US = {"us": 1, "ms": 1_000, "s": 1_000_000, None: 1_000_000, "m": 60_000_000,
            "min": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000, "w": 604_800_000_000}


def duration_us(value: object) -> int:
    """'30s', '15m', '6h', '7d', '2w' or a number of seconds, as microseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1_000_000)
    m = _DURATION_RE.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. '30s', '15m', '6h', '7d')")
    return int(float(m.group(1)) * _UNIT_US[m.group(2)])


@functools.lru_cache(maxsize=64)
def spread_urn(lo: int, hi: int) -> array[int]:
    """An urn of URN_SIZE integers evenly spread over [lo, hi] (jitters, delays). An array:
    half a megabyte stays in cache, where a list of int objects would not."""
    span = hi - lo
    return array("q", [lo + (k * span) // (URN_SIZE - 1) for k in range(URN_SIZE)])


def sequential_times(rng: random.Random, start: int, step: float, jitter: array[int] | None, lo: int, n: int,
                     end: int | None = None) -> list[int]:
    """Row i at start + i*step, moved by a draw from the jitter urn: a log's timestamps,
    kept in [start, end] (the jitter of the first and last rows would leave it)."""
    st = max(1, round(step))
    base = range(start + lo * st, start + (lo + n) * st, st)
    if jitter is None and (end is None or start + (lo + n - 1) * st <= end):
        return list(base)
    out = list(map(add, base, draw(rng, jitter, n))) if jitter is not None else list(base)
    jlo, jhi = _extent(jitter) if jitter is not None else (0, 0)
    # only the first rows (jittered before start) and the last (past end) can leave the range
    head = min(n, max(0, -(jlo // st) - lo)) if jlo < 0 else 0
    tail = n if end is None else min(n, max(0, (end - start - jhi) // st + 1 - lo))
    for a, b in ((0, head), (max(head, tail), n)):
        if a < b:
            part = map(max, out[a:b], repeat(start))
            out[a:b] = map(min, part, repeat(end)) if end is not None else part
    return out


_EXTENTS: dict[int, tuple[array[int], int, int]] = {}


def _extent(urn: array[int]) -> tuple[int, int]:
    """The smallest and largest value of an urn (kept: urns live as long as their generator)."""
    hit = _EXTENTS.get(id(urn))
    if hit is None or hit[0] is not urn:
        if len(_EXTENTS) > 64:
            _EXTENTS.clear()
        hit = _EXTENTS[id(urn)] = (urn, min(urn), max(urn))
    return hit[1], hit[2]


@functools.lru_cache(maxsize=16)
def recent_table(start: int, end: int, power: float) -> tuple[array[int], int]:
    """An urn of times in [start, end] denser toward end (power > 1 skews harder), and the
    width of one slot; recent_times spreads rows inside their slot, so times stay continuous."""
    span = end - start
    width = max(1, span // URN_SIZE)
    coarse = array("q", [end - width - int((span - width) * ((k + 0.5) / URN_SIZE) ** power)
                         for k in range(URN_SIZE)])
    return coarse, width


_SPREAD = 0x9E3779B1   # odd and large: row * _SPREAD modulo a slot width scatters rows over it


def recent_times(rng: random.Random, coarse: array[int], width: int, lo: int, n: int) -> list[int]:
    """Times from the urn, each moved inside its slot by a multiple of its row number
    (cheaper than a second draw, and as even)."""
    inside = map(mod, range(lo * _SPREAD, (lo + n) * _SPREAD, _SPREAD), repeat(width))
    return list(map(add, draw(rng, coarse, n), inside))


class ZipfIndex:
    """Ranks in [0, count) with a Zipf law, in C-level maps.

    Each of URN_SIZE equal-probability buckets of the inverse CDF holds a run of ranks
    (one rank at the head, many in the tail): draw a bucket, then a rank inside it.
    Rank 0 is the most popular; callers spread ranks over rows (scramble or a table).
    """

    def __init__(self, count: int, s: float):
        edges = _zipf_ranks([k / URN_SIZE for k in range(URN_SIZE + 1)], count, s)
        edges[-1] = max(count, edges[-1])
        self.lo = array("q", edges[:-1])
        self.width = array("q", [max(1, min(URN_SIZE, edges[k + 1] - edges[k])) for k in range(URN_SIZE)])

    def draw(self, rng: random.Random, n: int) -> list[int]:
        ks = _words(rng, "H", n)
        inside = map(rshift, map(mul, _words(rng, "H", n), map(self.width.__getitem__, ks)), repeat(16))
        return list(map(add, map(self.lo.__getitem__, ks), inside))

    def table(self, size: int) -> list[int]:
        """An urn of `size` slots (a power of two, at least URN_SIZE) of ranks: finer than the
        buckets, so a draw is one lookup (see draw_wide)."""
        per = size // URN_SIZE
        out: list[int] = []
        for lo, w in zip(self.lo, self.width):
            out.extend([lo + (j * w) // per for j in range(per)] if w > 1 else [lo] * per)
        return out


def draw_wide(rng: random.Random, table: Sequence[Any], n: int) -> list[Any]:
    """n values from an urn of any power-of-two size up to 2**32 slots."""
    if len(table) == URN_SIZE:
        return draw(rng, table, n)
    return list(map(table.__getitem__, map(and_, _words(rng, "I" if array("I").itemsize == 4 else "L", n),
                                           repeat(len(table) - 1))))
