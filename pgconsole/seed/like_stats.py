"""`seed --like`, the statistics side: read a database's shape, and compare two.

Only the catalog and pg_stats are read (row estimates, sizes, NULL shares, distinct
counts, most common values, histograms, correlation): never a row of a table. pg_stats
shows a column only to a role that may read it; the others are missing from the result,
and the seed falls back to --infer's rules for them.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg

from .. import sqlfiles
from .pgtypes import INTEGER, PgType
from .target import version_num

# a column's statistics in comparable numbers: MCVs as (value, frequency) sorted, the histogram's
# share of the rows, its bounds
Cdf = tuple[list[tuple[float, float]], float, list[float]]


@dataclass(frozen=True)
class ColumnStats:
    null_frac: float
    n_distinct: float
    avg_width: int
    correlation: float | None
    mcv: list[Any]          # values as text (None for NULL), most common first
    mcv_freqs: list[float]
    histogram: list[Any]    # bounds as text


@dataclass(frozen=True)
class TableStats:
    rows: float        # reltuples; < 0 (or 0 with no pages) when never analyzed
    pages: int
    bytes: int


@dataclass(frozen=True)
class Shape:
    tables: dict[str, TableStats]
    columns: dict[tuple[str, str], ColumnStats]


async def read_shape(conn: asyncpg.Connection, schema: str) -> Shape:
    version = version_num(conn)
    tables = {r["name"]: TableStats(r["reltuples"], r["relpages"], r["bytes"])
              for r in await conn.fetch(sqlfiles.load("seed_like_tables", version), schema)}
    cols = {}
    for r in await conn.fetch(sqlfiles.load("seed_like_stats", version), schema):
        cols[(r["table_name"], r["column_name"])] = ColumnStats(
            r["null_frac"], r["n_distinct"], r["avg_width"], r["correlation"], parse_array(r["mcv"]),
            list(r["mcv_freqs"] or []), parse_array(r["histogram"]))
    return Shape(tables, cols)


def parse_array(text: str | None) -> list[Any]:
    """A one-dimensional array literal ('{a,"b c",NULL}') as strings (None for NULL); [] for
    anything else (NULL, or the nested arrays of an array column's statistics)."""
    if not text or not text.startswith("{") or text.startswith("{{") or text.startswith('{"{'):
        return []
    out: list[str | None] = []
    i, n = 1, len(text)
    while i < n and text[i] != "}":
        if text[i] == '"':
            j, buf = i + 1, []
            while text[j] != '"':
                if text[j] == "\\":
                    j += 1
                buf.append(text[j])
                j += 1
            out.append("".join(buf))
            i = j + 1
        else:
            j = i
            while text[j] not in ",}":
                j += 1
            item = text[i:j]
            out.append(None if item == "NULL" else item)
            i = j
        if i < n and text[i] == ",":
            i += 1
    return out


def typed(t: PgType, text: str | None) -> Any:   # the column's own Python type
    """A statistics value (text) as the Python value a scenario holds for the column's type;
    None when it cannot be read (the column then falls back)."""
    if text is None:
        return None
    f = t.family
    try:
        if f in INTEGER:
            return int(text)
        if f == "numeric":
            return float(Decimal(text))
        if f in ("float4", "float8"):
            return float(text)
        if f == "bool":
            return text in ("t", "true")
        if f == "timestamp":
            v = dt.datetime.fromisoformat(text.replace(" BC", ""))
            return v if v.tzinfo or t.name == "timestamp" else v.replace(tzinfo=dt.timezone.utc)
        if f == "date":
            return dt.date.fromisoformat(text)
        if f == "time":
            return dt.time.fromisoformat(text)
        if f == "text":
            return text
    except (ValueError, InvalidOperation):
        return None
    return None


def absolute_distinct(s: ColumnStats, rows: float) -> float:
    return -s.n_distinct * rows if s.n_distinct < 0 else s.n_distinct


@dataclass(frozen=True)
class Check:
    table: str
    column: str
    measure: str       # n_distinct, null_frac, mcv freqs, histogram
    source: str
    target: str
    ok: bool


def compare(src: Shape, tgt: Shape, columns: dict[tuple[str, str], PgType]) -> list[Check]:
    """The target's statistics beside the source's, column by column, within the tolerances:
    n_distinct 10%, null_frac 0.02, the top 3 MCV frequencies 0.02 each, histogram
    quantiles within one bucket. Figures only: no value of the source is shown."""
    out = []
    for (table, col), t in sorted(columns.items()):
        s, g = src.columns.get((table, col)), tgt.columns.get((table, col))
        if s is None or g is None or table not in tgt.tables:
            continue
        rows_g = max(tgt.tables[table].rows, 0)
        want = -s.n_distinct * rows_g if s.n_distinct < 0 else min(s.n_distinct, rows_g)
        have = absolute_distinct(g, rows_g)
        out.append(Check(table, col, "n_distinct", f"{want:,.0f}", f"{have:,.0f}",
                         abs(have - want) <= 0.10 * max(want, 1) + 0.5))
        out.append(Check(table, col, "null_frac", f"{s.null_frac:.3f}", f"{g.null_frac:.3f}",
                         abs(s.null_frac - g.null_frac) <= 0.02))
        k = min(3, len(s.mcv_freqs))
        if k:
            gf = list(g.mcv_freqs) + [0.0] * k
            worst = max(abs(a - b) for a, b in zip(s.mcv_freqs[:k], gf[:k]))
            out.append(Check(table, col, f"top {k} MCV freqs", " ".join(f"{x:.3f}" for x in s.mcv_freqs[:k]),
                             " ".join(f"{x:.3f}" for x in gf[:k]), worst <= 0.02))
        if len(s.histogram) > 2 and len(g.histogram) > 2 and t.family not in ("text", "bool"):
            off = histogram_offset(t, s, g)
            if off is not None:
                out.append(Check(table, col, "histogram", f"{len(s.histogram) - 1} buckets",
                                 f"off by {off:.2f} bucket", off <= 1.0))
    return out


def histogram_offset(t: PgType, src: ColumnStats, tgt: ColumnStats) -> float | None:
    """The largest distance, in source histogram buckets, between where each source bound
    sits in the source's distribution and where it sits in the target's. Distributions are
    the MCVs (point masses) with the histogram (equal masses between bounds), so a value
    that one side's ANALYZE counted among its MCVs and the other among its histogram
    (near the cutoff, sampling decides) is placed the same."""
    cs, ct = _cdf(t, src), _cdf(t, tgt)
    if cs is None or ct is None:
        return None
    bucket = (1.0 - src.null_frac - sum(src.mcv_freqs)) / (len(src.histogram) - 1)
    if bucket <= 0:
        return None
    worst = 0.0
    for v in cs[2]:
        a0, a1 = _at(cs, v)
        b0, b1 = _at(ct, v)
        gap = b0 - a1 if b0 > a1 else a0 - b1 if a0 > b1 else 0.0
        worst = max(worst, gap / bucket)
    return worst


def _cdf(t: PgType, st: ColumnStats) -> Cdf | None:
    """(MCVs as (value, freq) sorted, histogram mass, bounds) in comparable numbers."""
    mcv = [(typed(t, v), f) for v, f in zip(st.mcv, st.mcv_freqs)]
    bounds = [typed(t, v) for v in st.histogram]
    if any(v is None for v, _ in mcv) or any(v is None for v in bounds) or len(bounds) < 2:
        return None
    mass = max(0.0, 1.0 - st.null_frac - sum(f for _, f in mcv))
    return sorted((_numeric(v), f) for v, f in mcv), mass, [_numeric(v) for v in bounds]


def _at(cdf: Cdf, v: float) -> tuple[float, float]:
    """Share of the non-NULL rows below v, and up to v inclusive."""
    mcv, mass, bounds = cdf
    below = sum(f for x, f in mcv if x < v)
    at = sum(f for x, f in mcv if x == v)
    lo, hi = _positions(bounds, v)
    nb = len(bounds) - 1
    return below + mass * lo / nb, below + at + mass * hi / nb


def _numeric(v: Any) -> float:
    if isinstance(v, dt.datetime):
        return v.timestamp()
    if isinstance(v, dt.date):
        return float(v.toordinal())
    if isinstance(v, dt.time):
        return v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
    return float(v)


def _positions(bounds: list[float], v: float) -> tuple[float, float]:
    """Where v sits among sorted bounds, as fractional indexes (0 .. len - 1): the run of
    bounds equal to it, or the interpolated place between two."""
    first = bisect_left(bounds, v)
    last = bisect_right(bounds, v) - 1
    if first <= last:
        return float(first), float(last)
    if first == 0:
        return 0.0, 0.0
    if first >= len(bounds):
        return float(len(bounds) - 1), float(len(bounds) - 1)
    a, b = bounds[first - 1], bounds[first]
    pos = first - 1 + ((v - a) / (b - a) if b != a else 0.0)
    return pos, pos
