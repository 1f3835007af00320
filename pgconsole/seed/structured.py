"""Structured values: JSON objects from per-key generators, and arrays."""

from __future__ import annotations

import math
from itertools import repeat
from operator import add
from typing import Any

from . import distributions as D
from .columns import JSON, Chunk, Gen, UrnGen, payloads
from .encode import array_payload, json_fragment
from .pgtypes import PgType


def _urn(field: tuple[str, Gen, float, float, bytes]) -> UrnGen:
    """A JSON key's generator known to be an urn (the fields _merge_small picked)."""
    g = field[1]
    assert isinstance(g, UrnGen)
    return g


class JsonGen(Gen):
    """An object from per-key generators, assembled with joins (no json.dumps per row).

    Keys that are always present come first; later keys carry their own ', "key": '
    prefix and are b"" when omitted, so no row needs Python to place commas (jsonb sorts
    keys anyway). Keys drawn from small urns are merged into one urn of their pieces
    together, and when every key is, all objects are listed once: a row is one draw.
    """

    COMBOS = 4096   # objects listed whole at most
    MERGED = 16384  # slots of a merged urn of pieces at most

    def __init__(self, family: str, fields: list[tuple[str, Gen, float, float]], null: float = 0.0):
        self.family = family
        fields = sorted(fields, key=lambda f: f[3] > 0)   # stable: present keys first
        self.fields: list[tuple[str, Gen, float, float, bytes]] = []   # (key, gen, null, omit, prefix)
        self.slow = bool(fields) and fields[0][3] > 0      # every key optional: commas per row
        for k, (name, gen, null_, omit) in enumerate(fields):
            prefix = (b"" if k == 0 or self.slow else b", ") + json_fragment(name) + b": "
            if isinstance(gen, UrnGen) and not self.slow:
                gen.fold_json(prefix, null_, omit)
            self.fields.append((name, gen, null_, omit, prefix))
        self.head = (b"\x01" if family == "jsonb" else b"") + b"{"
        self.whole = self._collapse(null)
        self.folded = self.whole is not None and self.whole.folded
        if self.whole is None and not self.slow:
            self._merge_small()
        self.ends = True   # the head and closing brace joined to each row's pieces, unless the urns hold them
        if self.whole is None and not self.slow and len(self.fields) >= 2:
            first, last = self.fields[0][1], self.fields[-1][1]
            if all(isinstance(g, UrnGen) and g.folded and not g.direct for g in (first, last)):
                _urn(self.fields[0]).wrap(self.head, b"")
                _urn(self.fields[-1]).wrap(b"", b"}")
                self.ends = False

    @staticmethod
    def _pieces(g: UrnGen) -> tuple[list[Any], list[Any]]:
        return g.entries, g.entry_weights or [1.0] * len(g.entries)

    def _collapse(self, null: float) -> UrnGen | None:
        gens = [f[1] for f in self.fields]
        urn_gens = [g for g in gens if isinstance(g, UrnGen) and not g.direct]
        if self.slow or not gens or len(urn_gens) != len(gens):   # every one an urn, or no collapse
            return None
        pieces = [self._pieces(g) for g in urn_gens]
        if math.prod(len(v) for v, _ in pieces) > self.COMBOS:
            return None
        objects, weights = [self.head + b"}"], [1.0]
        for vals, ws in pieces:
            objects = [o[:-1] + v + b"}" for o in objects for v in vals]
            weights = [w * x for w in weights for x in ws]
        return UrnGen(self.family, objects, weights, null=null, cells=self.family != JSON)

    def _merge_small(self) -> None:
        """Merge the smallest urn keys while their pieces combined stay few: fewer draws and
        fewer pieces to join per row. The first key keeps its place (it has no comma)."""
        urns = [f for f in self.fields if isinstance(f[1], UrnGen) and not f[1].direct]
        urns.sort(key=lambda f: len(_urn(f).entries))
        while len(urns) >= 2 and len(_urn(urns[0]).entries) * len(_urn(urns[1]).entries) <= self.MERGED:
            a, b = urns[0], urns[1]
            if b is self.fields[0]:
                a, b = b, a
            (va, wa), (vb, wb) = self._pieces(_urn(a)), self._pieces(_urn(b))
            merged = UrnGen(JSON, [x + y for x in va for y in vb], [p * q for p in wa for q in wb])
            merged.fold_json(b"", 0.0, 0.0)
            field = (f"{a[0]}+{b[0]}", merged, 0.0, 0.0, b"")
            first = a is self.fields[0]
            self.fields = [f for f in self.fields if f is not a and f is not b]
            self.fields.insert(0, field) if first else self.fields.append(field)
            urns = sorted([f for f in urns[2:]] + [field], key=lambda f: len(_urn(f).entries))

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
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
        if not self.ends:
            return "values", list(map(b"".join, zip(*cols)))
        return "values", list(map(b"".join, zip(repeat(head, n), *cols, repeat(b"}", n))))


class ListGen(Gen):
    """Arrays (PostgreSQL arrays or JSON lists) of min..max elements."""

    def __init__(self, family: str, item: Gen, lo: int, hi: int, elem: PgType | None):
        self.family, self.item, self.lo, self.hi, self.elem = family, item, lo, hi, elem

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
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
        elem = self.elem
        assert self.family == JSON or elem is not None   # a PostgreSQL array's element type
        out, k = [], 0
        for ln in lengths:
            part = vals[k:k + ln]
            out.append(b"[" + b", ".join(part) + b"]" if self.family == JSON or elem is None
                       else array_payload(elem, part))
            k += ln
        return "values", out
