"""Random samplers over a seeded random.Random, one list per call (no per-cell objects).

Every function takes the generator and a count n and returns a list, so callers stay
column-wise. Pure: no I/O, no globals; the same rng state gives the same list.
"""

from __future__ import annotations

import math
import re
import statistics
import sys
from array import array
from itertools import accumulate, repeat
from math import gcd
from operator import add, mod, mul, rshift

# numeric distributions a column may name, with their required and optional parameters
NUMERIC = {
    "uniform": ({"min", "max"}, set()),
    "normal": ({"mean", "stddev"}, {"min", "max"}),
    "lognormal": ({"median", "sigma"}, {"min", "max"}),
    "exponential": ({"mean"}, {"min", "max"}),
    "zipf": ({"min", "max"}, {"s"}),
}
REF_DISTS = ("uniform", "zipf", "sequential", "even", "unique")
URN_SIZE = 1 << 16      # slots of a sampling urn: one random 16-bit index picks a slot
_U64 = "Q" if array("Q").itemsize == 8 else "L"


def _words(rng, code: str, n: int) -> array:
    a = array(code, rng.randbytes(array(code).itemsize * n))
    if sys.byteorder == "big":
        a.byteswap()   # the same data on every machine
    return a


def urn(values: list, weights: list[float] | None = None) -> list:
    """URN_SIZE slots holding each value about weight/total of the time.

    Drawing is then one C-level map over random 16-bit indices: no Python per value.
    Every value with a weight gets at least one slot (1/65536 is the resolution).
    """
    k = len(values)
    if k > URN_SIZE:
        raise ValueError("too many values for an urn")
    weights = [1.0] * k if weights is None else [float(w) for w in weights]
    total = sum(weights)
    exact = [w * URN_SIZE / total for w in weights]
    counts = [max(1, int(x)) if w > 0 else 0 for x, w in zip(exact, weights)]
    diff = URN_SIZE - sum(counts)
    order = sorted(range(k), key=lambda i: exact[i] - counts[i], reverse=diff > 0)
    i = 0
    while diff:
        j = order[i % k]
        if diff > 0:
            counts[j] += 1
            diff -= 1
        elif counts[j] > 1:
            counts[j] -= 1
            diff += 1
        i += 1
    table: list = []
    for v, c in zip(values, counts):
        table.extend([v] * c)
    return table


def draw(rng, table: list, n: int) -> list:
    """n values from an urn (a list of exactly URN_SIZE slots)."""
    return list(map(table.__getitem__, _words(rng, "H", n)))


def uniform_ints(rng, lo: int, hi: int, n: int) -> list[int]:
    """Uniform integers in [lo, hi] by multiply-shift of random 64-bit words (C-level maps)."""
    span = hi - lo + 1
    if span > 1 << 62:
        return [lo + rng.randrange(span) for _ in repeat(None, n)]
    scaled = map(rshift, map(mul, _words(rng, _U64, n), repeat(span)), repeat(64))
    return list(map(add, scaled, repeat(lo))) if lo else list(scaled)


def uniform_floats(rng, lo: float, hi: float, n: int) -> list[float]:
    r, span = rng.random, hi - lo
    return [lo + r() * span for _ in repeat(None, n)]


def _clamp(values: list[float], lo, hi) -> list[float]:
    if lo is not None:
        values = [lo if v < lo else v for v in values]
    if hi is not None:
        values = [hi if v > hi else v for v in values]
    return values


def normal(rng, mean: float, stddev: float, n: int, lo=None, hi=None) -> list[float]:
    g = rng.gauss
    return _clamp([g(mean, stddev) for _ in repeat(None, n)], lo, hi)


def lognormal(rng, median: float, sigma: float, n: int, lo=None, hi=None) -> list[float]:
    g, mu = rng.gauss, math.log(median)
    return _clamp([math.exp(g(mu, sigma)) for _ in repeat(None, n)], lo, hi)


def exponential(rng, mean: float, n: int, lo=None, hi=None) -> list[float]:
    e, rate = rng.expovariate, 1.0 / mean
    return _clamp([e(rate) for _ in repeat(None, n)], lo, hi)


def zipf_ranks(rng, count: int, s: float, n: int) -> list[int]:
    """Ranks in [0, count) with P(rank k) about proportional to 1/(k+1)**s.

    Inverse transform of the continuous bounded power law: one pow() per value, no
    table of count weights (count may be millions of parent rows).
    """
    r = rng.random
    return _zipf_ranks([r() for _ in repeat(None, n)], count, s)


def sample_numeric(rng, dist: str, p: dict, n: int) -> list:
    """Values of a numeric distribution (ints for zipf, floats otherwise except uniform ints)."""
    lo, hi = p.get("min"), p.get("max")
    if dist == "uniform":
        if isinstance(lo, int) and isinstance(hi, int):
            return uniform_ints(rng, lo, hi, n)
        return uniform_floats(rng, float(lo), float(hi), n)
    if dist == "normal":
        return normal(rng, p["mean"], p["stddev"], n, lo, hi)
    if dist == "lognormal":
        return lognormal(rng, p["median"], p["sigma"], n, lo, hi)
    if dist == "exponential":
        return exponential(rng, p["mean"], n, lo, hi)
    if dist == "zipf":
        base = int(lo)
        return [base + k for k in zipf_ranks(rng, int(hi) - base + 1, float(p.get("s", 1.1)), n)]
    raise ValueError(f"unknown distribution {dist!r}")


def quantile_table(dist: str, p: dict) -> list:
    """URN_SIZE quantiles of a distribution: drawing from it is inverse-transform sampling."""
    us = [(k + 0.5) / URN_SIZE for k in range(URN_SIZE)]
    lo, hi = p.get("min"), p.get("max")
    if dist == "normal":
        inv = statistics.NormalDist(p["mean"], p["stddev"]).inv_cdf
        vals = [inv(u) for u in us]
    elif dist == "lognormal":
        inv = statistics.NormalDist(math.log(p["median"]), p["sigma"]).inv_cdf
        vals = [math.exp(inv(u)) for u in us]
    elif dist == "exponential":
        vals = [-p["mean"] * math.log(1.0 - u) for u in us]
    elif dist == "zipf":
        base, count, s = int(lo), int(hi) - int(lo) + 1, float(p.get("s", 1.1))
        return [base + k for k in _zipf_ranks(us, count, s)]
    else:
        raise ValueError(f"no quantile table for {dist!r}")
    return _clamp(vals, lo, hi)


def _zipf_ranks(us, count: int, s: float) -> list[int]:
    last = count - 1
    if count <= 1:
        return [0] * len(us)
    if abs(s - 1.0) < 1e-9:
        top = math.log(count + 1)
        ranks = (int(math.exp(top * u)) - 1 for u in us)
    else:
        a = 1.0 - s
        span, inv = (count + 1) ** a - 1.0, 1.0 / a
        ranks = (int((span * u + 1.0) ** inv) - 1 for u in us)
    return [last if k > last else k for k in ranks]


def cumulative(weights: list[float]) -> list[float]:
    return list(accumulate(weights))


def weighted(rng, values: list, cum_weights: list[float], n: int) -> list:
    return rng.choices(values, cum_weights=cum_weights, k=n)


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


def ref_indices(rng, dist: str, count: int, lo: int, n: int, total: int, salt: int,
                zipf: ZipfIndex | None = None) -> list[int]:
    """Parent row indices for child rows lo..lo+n-1 of a child table with `total` rows.

    For zipf these are popularity ranks: the caller maps rank to parent by a fixed
    permutation (see scramble), so the popular parents are not the first rows.
    """
    if dist == "uniform":
        return uniform_ints(rng, 0, count - 1, n)
    if dist == "zipf":
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


def duration_us(value) -> int:
    """'30s', '15m', '6h', '7d', '2w' or a number of seconds, as microseconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value * 1_000_000)
    m = _DURATION_RE.match(str(value))
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. '30s', '15m', '6h', '7d')")
    return int(float(m.group(1)) * _UNIT_US[m.group(2)])


def spread_urn(lo: int, hi: int) -> array:
    """An urn of URN_SIZE integers evenly spread over [lo, hi] (jitters, delays)."""
    span = hi - lo
    return array("q", [lo + (k * span) // (URN_SIZE - 1) for k in range(URN_SIZE)])


def sequential_times(rng, start: int, step: float, jitter: array | None, lo: int, n: int) -> list[int]:
    """Row i at start + i*step, moved by a draw from the jitter urn: a log's timestamps."""
    st = max(1, round(step))
    base = range(start + lo * st, start + (lo + n) * st, st)
    if jitter is None:
        return list(base)
    return list(map(add, base, draw(rng, jitter, n)))


def recent_table(start: int, end: int, power: float) -> tuple[array, array]:
    """Urns for times in [start, end] denser toward end (power > 1 skews harder): a coarse
    slot by the power law, then a fine offset inside the slot, so times stay continuous."""
    span = end - start
    width = max(1, span // URN_SIZE)
    coarse = array("q", [end - width - int((span - width) * ((k + 0.5) / URN_SIZE) ** power)
                         for k in range(URN_SIZE)])
    return coarse, spread_urn(0, width - 1)


def recent_times(rng, coarse: array, fine: array, n: int) -> list[int]:
    return list(map(add, draw(rng, coarse, n), draw(rng, fine, n)))


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

    def draw(self, rng, n: int) -> list[int]:
        ks = _words(rng, "H", n)
        inside = map(rshift, map(mul, _words(rng, "H", n), map(self.width.__getitem__, ks)), repeat(16))
        return list(map(add, map(self.lo.__getitem__, ks), inside))
