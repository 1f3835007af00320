"""Values that hold across tables: a child row's value taken from, or bounded by, its parent row's.

    user_id     = { same_as = "session_id.user_id" }                    the session's user
    sent_at     = { after = "conversation_id.created_at", max_delay = "2d", mode = "sequential" }
    occurred_at = { between = ["session_id.started_at", "session_id.ended_at"] }

The foreign key's generator leaves each chunk's parent row numbers in Chunk.rows; the
parent's column is kept per chunk in arrays (ParentColumn), computed from the parent's own
random streams, so any process gets the same values the parent's chunk was loaded with.
Looking values up is a C-level map over the row numbers, never a Python loop per row.
"""

from __future__ import annotations

from itertools import repeat
from operator import add, floordiv, getitem, mod, mul, sub, truediv
from typing import Any, Callable, Iterable, Iterator

from . import distributions as D
from .columns import Chunk, Gen
from .plan import CHUNK_ROWS

US_PER_DAY = 86_400_000_000
Source = Callable[[Chunk], Iterable[int]]   # a chunk's times (µs) of a column, this row's or its parent's


def to_us(family: str, values: Iterable[int]) -> list[int]:
    """Time values of a family (timestamps: µs since 2000; dates: days; times: µs) as µs."""
    if family == "date":
        return list(map(mul, values, repeat(US_PER_DAY)))
    return values if isinstance(values, list) else list(values)


class ParentColumn:
    """One column of a parent table, chunk by chunk, for lookups by parent row number.

    kind "time": µs; kind "cells": the framed cells the parent's COPY carries (NULLs
    included), which a same_as column copies as they are. Lists, not arrays: a lookup
    then hands out existing objects instead of making an int per row (twice as fast).
    """

    MAX_CHUNKS = 64     # about 2 million rows kept; more only while one lookup needs them

    def __init__(self, compute: Callable[[int], list[Any]], kind: str, rows: int) -> None:
        self.compute, self.kind = compute, kind     # compute(chunk index) -> this column's chunk
        self.single = rows <= CHUNK_ROWS            # one chunk: no arithmetic on the row numbers
        self.chunks: dict[int, list[Any]] = {}

    def put(self, index: int, data: list[Any]) -> None:
        if index not in self.chunks and len(self.chunks) < self.MAX_CHUNKS:
            self.chunks[index] = data

    def chunk(self, index: int) -> list[Any]:
        """The column's values in one chunk of the parent."""
        data = self.chunks.get(index)
        if data is None:
            data = self.compute(index)
            self.put(index, data)
        return data

    def get(self, rows: list[int], memo: dict[int, Any] | None = None) -> list[Any]:
        """Values at parent rows; memo (per chunk and foreign key) keeps the split of the row
        numbers for the next column looked up through the same key."""
        if self.single:
            chunk = self.chunks.get(0)
            if chunk is None:
                chunk = self.chunks[0] = self.compute(0)
            return list(map(chunk.__getitem__, rows))
        split = memo.get(id(rows)) if memo is not None else None
        if split is None:
            his = list(map(floordiv, rows, repeat(CHUNK_ROWS)))
            need = set(his)
            lows = list(map(mod, rows, repeat(CHUNK_ROWS))) if len(need) > 1 or his[0] else rows
            split = (his, need, lows)
            if memo is not None:
                memo[id(rows)] = split
        his, need, lows = split
        missing = [h for h in need if h not in self.chunks]
        if missing and len(self.chunks) + len(missing) > self.MAX_CHUNKS:
            self.chunks = {h: v for h, v in self.chunks.items() if h in need}
        for h in sorted(missing):
            self.chunks[h] = self.compute(h)
        if len(need) == 1:
            return list(map(self.chunks[his[0]].__getitem__, lows))
        parts: Iterator[list[Any]] = map(self.chunks.__getitem__, his)
        return list(map(getitem, parts, lows))


def time_chunk(family: str, values: Iterable[int]) -> list[int]:
    return to_us(family, values)


class SameAsGen(Gen):
    """The parent row's cell, as the parent's COPY carried it (its NULLs too)."""

    folded = True

    def __init__(self, family: str, fk: str, parent: ParentColumn):
        self.family, self.fk, self.parent = family, fk, parent

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        return "cells", self.parent.get(c.rows[self.fk], c.memo)


class SpanTimeGen(Gen):
    """Between two bounds that are each the parent row's column or a moment, no positions:
    what RelTimeGen computes, with the span of each parent row kept (per parent chunk, as
    a float scaled by 2**-32), so a row is two lookups, a multiplication and an addition.

    The same numbers: span * (w / 2**32) and (span / 2**32) * w are one float, since
    scaling by a power of two is exact; a negative span counts as 0 either way.
    """

    def __init__(self, family: str, fk: str, lo: ParentColumn | int, hi: ParentColumn | int, rows: int):
        self.family, self.fk, self.lo = family, fk, lo

        def scaled(index: int) -> list[float]:
            a = lo.chunk(index) if isinstance(lo, ParentColumn) else None
            b = hi.chunk(index) if isinstance(hi, ParentColumn) else None
            n = len(a if a is not None else b or ())
            spans = map(sub, repeat(hi, n) if b is None else b, repeat(lo, n) if a is None else a)
            return list(map(truediv, map(max, spans, repeat(0)), repeat(4294967296.0)))
        self.scaled = ParentColumn(scaled, "span", rows)

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        rows = c.rows[self.fk]
        base: Iterable[int] = self.lo.get(rows, c.memo) if isinstance(self.lo, ParentColumn) else repeat(self.lo, c.n)
        gaps = map(int, map(mul, self.scaled.get(rows, c.memo), D.words32(c.rng(key + ":at"), c.n)))
        return "values", from_us(self.family, list(map(add, base, gaps)))


class Positions:
    """Where each child row stands among its parent's rows, for mode = "sequential": the
    foreign key's dist places them (sequential: contiguous runs; even: round robin)."""

    def __init__(self, fk: str, dist: str, count: int, total: int):
        self.fk, self.dist, self.count, self.total = fk, dist, count, total
        self.size = -(-total // count) if count else 1     # rows of the largest parent

    def __call__(self, c: Chunk) -> list[int]:
        i = range(c.lo, c.lo + c.n)
        if self.dist == "even":
            return list(map(floordiv, i, repeat(self.count)))
        parents = c.rows[self.fk]
        firsts = map(floordiv, map(add, map(mul, parents, repeat(self.total)), repeat(self.count - 1)),
                     repeat(self.count))
        return list(map(sub, i, firsts))


class RelTimeGen(Gen):
    """A time after a source (same row or parent row) by a delay, or between two sources.

    Sources are callables chunk -> list[Any] of µs. mode sequential: the delay (or the place
    between the bounds) grows with the row's position among its parent's rows, so the
    rows of one parent are in time order, and stay within [min_delay, max_delay].
    """

    def __init__(self, family: str, lo_src: Source, hi_src: Source | None = None, delay: tuple[int, int] | None = None,
                 positions: Positions | None = None):
        self.family, self.lo_src, self.hi_src, self.positions = family, lo_src, hi_src, positions
        self.dmin, self.dmax = delay or (0, 0)
        self.delays = D.spread_urn(self.dmin, self.dmax) if delay and positions is None else None

    def _fractions(self, c: Chunk, key: str, spans: Iterable[int]) -> list[int]:
        """spans scaled by a fraction in [0, 1) per row: random, or by position in the parent."""
        rng, n = c.rng(key + ":at"), c.n
        if self.positions is None:   # in floats: µs spans times 2**32 would be big integers
            return list(map(int, map(mul, spans, map(truediv, D.words32(rng, n), repeat(4294967296.0)))))
        den = self.positions.size << 16
        nums = map(add, map(mul, self.positions(c), repeat(1 << 16)), D._words(rng, "H", n))
        return list(map(floordiv, map(mul, spans, nums), repeat(den)))

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        base = self.lo_src(c)
        if self.hi_src is None:
            if self.delays is not None:
                us = map(add, base, D.draw(c.rng(key), self.delays, c.n))
            else:
                gaps = self._fractions(c, key, repeat(self.dmax - self.dmin, c.n))
                us = map(add, map(add, base, gaps), repeat(self.dmin))
        else:
            spans = list(map(sub, self.hi_src(c), base))
            if spans and min(spans) < 0:   # a bound before the other (data off its usual order): none
                spans = list(map(max, spans, repeat(0)))
            us = map(add, base, self._fractions(c, key, spans))
        return "values", from_us(self.family, list(us))


def from_us(family: str, us: list[int]) -> list[Any]:
    if family == "date":
        return list(map(floordiv, us, repeat(US_PER_DAY)))
    if family == "time":
        return list(map(mod, us, repeat(US_PER_DAY)))
    return us
