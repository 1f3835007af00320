"""Turn a plan into COPY-ready chunks: compile column generators, fill chunk after chunk.

A chunk is rows [k*CHUNK_ROWS, (k+1)*CHUNK_ROWS) of a table, and every random stream
is seeded by (seed, table, column, chunk), so a chunk's bytes are the same whichever
process makes it and in whatever order: --jobs changes speed, never data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Callable, Iterable, Literal, Sequence, overload

from . import columns as C
from . import distributions as D
from . import keys as K
from . import related as R
from . import shaped as Sh
from . import structured as S
from .encode import NULL, Split, assemble, frame_split, pack_fixed
from .fields import time_bound, time_range_us
from .pgtypes import FIXED, PgType
from .plan import CHUNK_ROWS, SeedPlan, TablePlan
from .pools import PoolKey, build_pool
from .scenario import ColumnSpec, FieldSpec, paths, row_deps


@dataclass(frozen=True)
class GenJob:
    """Everything a generator process needs (pickled once per process)."""
    plan: SeedPlan
    offsets: dict[str, int]          # --append: rows already there, so keys continue
    pools: dict[PoolKey, list[Any]]


def salt(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def emit_order(tp: TablePlan, names: Iterable[str]) -> list[str]:
    """Fixed-width columns first (they are packed column-wise), in the order given."""
    cols = {c.name: c for c in tp.spec.columns}
    names = list(names)
    fixed = [n for n in names if _is_fixed(cols[n], tp.name)]
    return fixed + [n for n in names if n not in fixed]


def _is_fixed(c: ColumnSpec, table: str) -> bool:
    # (a nullable self-reference's first row is NULL: no earlier row to point at)
    self_ref = c.spec.gen == "ref" and c.nullable and c.spec.params["ref"].split(".")[0] == table
    return c.type.family in FIXED and c.spec.null == 0 and not self_ref and c.spec.gen != "same_as"


class TableGen:
    def __init__(self, gen: Generator, tp: TablePlan):
        self.g, self.tp = gen, tp
        self.rows = tp.rows
        self.offset = gen.job.offsets.get(tp.name, 0)
        self.gens: dict[str, C.Gen] = {}
        self._combo_of = {m: group for group in tp.combos for m in group}
        self._compiling: set[str] = set()
        self.deps = {c.name: row_deps(c.spec) for c in tp.spec.columns}
        self.order = _dep_order(self.deps)
        # columns another one adds to: their urns give plain values, NULLs applied when encoding
        self.raw = {c.spec.params["above"] for c in tp.spec.columns if c.spec.gen == "above"}
        self._exports: dict[tuple[str, str], R.ParentColumn] | None = None
        self.path_fks = {fk for c in tp.spec.columns for fk, _ in paths(c.spec)}   # their rows are looked up
        self._columns: dict[tuple[str, str], R.ParentColumn] = {}

    def gen(self, name: str) -> C.Gen:
        """A column's generator, compiled when first needed (a parent's key alone, for a child)."""
        g = self.gens.get(name)
        if g is None:
            if name in self._compiling:
                raise ValueError(f"keys of {self.tp.name}.{name} depend on themselves")
            self._compiling.add(name)
            try:
                if name in self._combo_of:
                    self._compile_combo(self._combo_of[name])
                else:
                    c = self.tp.spec.column_named(name)
                    self.gens[name] = self._compile(c, c.name, c.spec, c.type.family, c.type)
            finally:
                self._compiling.discard(name)
            g = self.gens[name]
        return g

    # -- compiling -------------------------------------------------------------
    def _compile(self, col: ColumnSpec, path: str, s: FieldSpec, family: str, ptype: PgType | None) -> C.Gen:
        job, tp, p = self.g.job, self.tp, s.params
        seed = job.plan.options.seed
        scale = ptype.scale if ptype is not None and ptype.scale is not None else p.get("decimals", 2)
        top = path == col.name
        unique = top and col.name in tp.unique
        # a top-level column's NULLs go into its urn, when it has one
        raw = top and col.name in self.raw
        urn: dict[str, Any] = dict(null=0.0 if raw else s.null if top else 0.0, cells=top and not _is_fixed(col, tp.name) and not raw,
                   raw=raw, scale=scale)
        g = s.gen
        if g == "serial":
            return K.SerialGen(family, self.offset, p.get("start", 1), p.get("step", 1), p.get("format"), scale)
        if g == "uuid":
            return K.UuidGen(family, seed, tp.name, path, self.offset, self.rows, CHUNK_ROWS)
        if g == "hex":
            return K.HexGen(family, self.offset, p.get("length", 32), salt(seed, tp.name, path))
        if g == "faker":
            key = tp.pools[path]
            pool = job.pools.get(key) or build_pool(key)
            if unique:
                return K.UniqueTextGen(family, self.offset, pool, salt(seed, tp.name, path),
                                       ptype.max_len if ptype else None)
            return C.UrnGen(family, C.python_values(family, pool, ptype, scale), None, **urn)
        if g in ("choice", "const"):
            values, weights = choice_values(s)
            return C.UrnGen(family, C.python_values(family, values, ptype, scale), weights, **urn)
        if g == "bool":
            pt = float(p.get("p", 0.5))
            return C.UrnGen(family, [b"true", b"false"] if family == C.JSON else [1, 0], [pt, 1 - pt], **urn)
        if g == "timestamp" and top and ("between" in p or "." in p.get("after", "")):
            return self._related_time(col, p)
        if g == "same_as":
            fk, pcol = p["same_as"].split(".")
            return R.SameAsGen(family, fk, self._parent(fk).parent_column(pcol, "cells"))
        if g == "timestamp":
            start, end = (0, 0) if "after" in p else time_range_us(p)
            return C.TimeGen(family, p, self.rows, self.offset, start, end)
        if g == "ref":
            parent_name, parent_col = p["ref"].split(".")
            parent = self.g.table(parent_name) if parent_name != tp.name else self
            ref = K.RefGen(family, parent.key_gen(parent_col), parent.rows, self.rows, p.get("dist", "uniform"),
                           float(p.get("s", 1.1)), salt(seed, tp.name, path), parent is self, p.get("group"))
            if ref.dist == "shaped":
                ref.shaped = Sh.ShapedRows(p, s.null, parent.rows, self.rows, salt(seed, tp.name, path))
            ref.need_rows = col.name in self.path_fks
            return ref
        if g == "shaped":
            text_pool = None
            if family == "text":
                assert ptype is not None   # text: a column's own type
                text_pool = _text_pool(job.plan.scenario.locale, p, ptype, self.rows)
            return Sh.ShapedGen(family, ptype, p, s.null, self.rows, self.offset, salt(seed, tp.name, path), scale,
                                text_pool)
        if g == "json":
            fields = [(k, self._compile(col, f"{path}.{k}", sub, C.JSON, None), sub.null, sub.omit)
                      for k, sub in s.fields]
            return S.JsonGen(family, fields, null=s.null if top else 0.0)
        if g == "list":
            elem = ptype.elem if ptype is not None and family == "array" else None
            assert s.item is not None   # a list has its item's spec
            item = self._compile(col, f"{path}[]", s.item, elem.family if elem else C.JSON, elem)
            return S.ListGen(family, item, p.get("min", 0), p.get("max", 3), elem)
        if g == "ipv4":
            return C.Ipv4Gen(family)
        if g == "uniform":
            return C.NumberGen(family, p["min"], p["max"], scale, p.get("decimals"))
        if g == "above":
            lo, hi = p.get("gap", [1, 100])
            return C.AboveGen(family, p["above"], lo, hi, p.get("min"), p.get("max"), scale, p.get("decimals"))
        # skewed numbers: an urn of the distribution's quantiles
        values = C.to_family(D.quantile_table(g, p), family, scale, p.get("decimals"))
        return C.UrnGen(family, values, None, **urn)

    def _compile_combo(self, group: tuple[str, ...]) -> None:
        spec, counts = self.tp.spec, []
        inners: list[Callable[[list[int]], list[Any]]] = []
        for m in group:
            c = spec.column_named(m)
            s, fam = c.spec, c.type.family
            if s.gen == "ref":
                parent_name, parent_col = s.params["ref"].split(".")
                parent = self.g.table(parent_name) if parent_name != self.tp.name else self
                key = parent.key_gen(parent_col)
                counts.append(parent.rows)
                inners.append(key.at)
            elif s.gen in ("choice", "const", "bool"):
                values = [0, 1] if s.gen == "bool" else choice_values(s)[0]
                vals = C.python_values(fam, values, c.type)
                counts.append(len(vals))
                inners.append(K.digit_values(vals))
            else:  # integer range
                lo = s.params["min"]
                counts.append(s.params["max"] - lo + 1)
                inners.append(K.digit_plus(lo))
        product, stride = 1, []
        for n in counts:
            stride.append(product)
            product *= n
        gsalt = salt(self.g.job.plan.options.seed, self.tp.name, *group)
        for m, inner, n, st in zip(group, inners, counts, stride):
            self.gens[m] = K.ComboGen(spec.column_named(m).type.family, inner, n, st, product, self.offset, gsalt,
                                      spec.column_named(m).spec.gen == "ref")

    def key_gen(self, column: str) -> C.Gen:
        g = self.gen(column)
        if not hasattr(g, "at") or type(g).at is C.Gen.at:
            raise TypeError(f"{self.tp.name}.{column} is not a generated key")
        return g

    # -- producing -----------------------------------------------------------
    def _context(self, index: int) -> C.Chunk:
        lo = index * CHUNK_ROWS
        return C.Chunk(self.g.job.plan.options.seed, self.tp.name, self.offset, index, lo,
                       min(CHUNK_ROWS, self.rows - lo))

    def _produce(self, ctx: C.Chunk, names: Iterable[str]) -> dict[str, tuple[str, Any]]:
        """Outputs of the named columns and of what they are computed from, for one chunk."""
        wanted, todo = set(names), list(names)
        while todo:
            for d in self.deps.get(todo.pop(), ()):
                if d not in wanted:
                    wanted.add(d)
                    todo.append(d)
        out: dict[str, tuple[str, Any]] = {}
        for name in self.order:
            if name not in wanted:
                continue
            kind, data = self.gen(name).produce(ctx, name)
            if kind == "values":
                ctx.values[name] = data
            out[name] = (kind, data)
        return out

    @overload
    def _cells(self, name: str, kind: str, data: Any, ctx: C.Chunk, split: Literal[False] = False) -> list[bytes]: ...
    @overload
    def _cells(self, name: str, kind: str, data: Any, ctx: C.Chunk, split: bool) -> list[bytes] | Split: ...

    def _cells(self, name: str, kind: str, data: Any, ctx: C.Chunk, split: bool = False) -> list[bytes] | Split:
        """A column's framed cells as the COPY carries them (NULLs in); split=True may give a
        frame_split of the payloads instead, when there is nothing to change in them."""
        col = self.tp.spec.column_named(name)
        fam = col.type.family
        scale = col.type.scale if col.type.scale is not None else col.spec.params.get("decimals", 2)
        gen = self.gen(name)
        nulls = col.spec.null > 0 and not gen.folded
        root = isinstance(gen, K.RefGen) and gen.self_ref and ctx.lo == 0 and col.nullable
        if split and kind == "values" and fam not in FIXED and fam != "numeric" and not nulls and not root:
            return frame_split(data)     # payloads: frame without copying them
        cells = C.encode_cells(fam, kind, data, scale)
        if nulls:
            cells = C.with_nulls(cells, ctx.rng(name + ":null"), col.spec.null)
        if root:   # the first row has no earlier row to point at: a root, not its own parent
            cells[0] = NULL
        return cells

    def chunk(self, index: int, names: Sequence[str]) -> bytes:
        ctx = self._context(index)
        out = self._produce(ctx, names)
        fixed: list[tuple[int, bytes]] = []
        var: list[Any] = []
        for name in emit_order(self.tp, names):
            col = self.tp.spec.column_named(name)
            kind, data = out[name]
            fam = col.type.family
            if _is_fixed(col, self.tp.name):
                fixed.append((FIXED[fam][1], data if kind == "blob" else pack_fixed(fam, data)))
            elif (name, "cells") in self.exports:   # the same cells for the COPY and for the children
                cells = self._cells(name, kind, data, ctx)
                self.exports[(name, "cells")].put(index, cells)
                var.append(cells)
            else:
                var.append(self._cells(name, kind, data, ctx, split=True))
        for (name, kind), pc in self.exports.items():   # children of this table look these up
            if name in out and (kind == "time" or _is_fixed(self.tp.spec.column_named(name), self.tp.name)):
                pc.put(index, self._export(name, kind, out[name], ctx))
        return assemble(ctx.n, fixed, var)

    # -- values children take from this table -------------------------------------
    @property
    def exports(self) -> dict[tuple[str, str], R.ParentColumn]:
        if self._exports is None:
            self._exports = {key: self.parent_column(*key) for key in self.g.exported.get(self.tp.name, ())}
        return self._exports

    def parent_column(self, name: str, kind: str) -> R.ParentColumn:
        key = (name, kind)
        pc = self._columns.get(key)
        if pc is None:
            def compute(index: int, name: str = name, kind: str = kind) -> list[Any]:
                ctx = self._context(index)
                return self._export(name, kind, self._produce(ctx, [name])[name], ctx)
            pc = self._columns[key] = R.ParentColumn(compute, kind, self.rows)
        return pc

    def _export(self, name: str, kind: str, output: tuple[str, Any], ctx: C.Chunk) -> list[Any]:
        if kind == "time":
            return R.time_chunk(self.tp.spec.column_named(name).type.family, output[1])
        return self._cells(name, output[0], output[1], ctx)

    def _time_source(self, src: str | dt.date, family_of_self: str) -> R.Source:
        """A chunk -> µs callable for a 'after'/'between' source: column, fk.col or a date."""
        lit = time_bound(src) if not isinstance(src, str) or "." not in src else None
        if lit is not None:
            return lambda c: repeat(lit, c.n)
        assert isinstance(src, str)   # not a moment: a column, or fk.col
        if "." not in src:
            fam = self.tp.spec.column_named(src).type.family
            return lambda c: R.to_us(fam, c.values[src])
        fk, pcol = src.split(".")
        pc = self._parent(fk).parent_column(pcol, "time")
        return lambda c: pc.get(c.rows[fk], c.memo)

    def _bound(self, src: str | dt.date, fk: str | None) -> R.ParentColumn | int | None:
        """A bound the same for all children of a parent row: its column (through fk) or a moment."""
        if isinstance(src, str) and "." in src:
            f, pcol = src.split(".")
            return self._parent(f).parent_column(pcol, "time") if f == fk else None
        return time_bound(src)

    def _parent(self, fk: str) -> TableGen:
        return self.g.table(self.tp.spec.column_named(fk).spec.params["ref"].split(".")[0])

    def _related_time(self, col: ColumnSpec, p: dict[str, Any]) -> C.Gen:
        srcs = [p["after"]] if "after" in p else list(p["between"])
        fk = next((x.split(".")[0] for x in srcs if isinstance(x, str) and "." in x), None)
        positions = None
        if p.get("mode") == "sequential":
            assert fk is not None   # sequential: placed among a parent's rows, through its key
            ref = self.gen(fk)
            assert isinstance(ref, K.RefGen)
            positions = R.Positions(fk, ref.dist, ref.count, self.rows)
        if "between" in p and positions is None and fk is not None:
            a, b = (self._bound(x, fk) for x in srcs)
            if a is not None and b is not None:
                return R.SpanTimeGen(col.type.family, fk, a, b, self._parent(fk).rows)
        lo = self._time_source(srcs[0], col.type.family)
        if "after" in p:
            delay = (D.duration_us(p.get("min_delay", 0)), D.duration_us(p.get("max_delay", "30d")))
            return R.RelTimeGen(col.type.family, lo, None, delay, positions)
        return R.RelTimeGen(col.type.family, lo, self._time_source(srcs[1], col.type.family), None, positions)


def _text_pool(locale: str, p: dict[str, Any], ptype: PgType, rows: int) -> list[bytes]:
    """Distinct generated text for a shaped column: its Faker provider, or letters of its length."""
    from .encode import encode_value
    from .pools import make_key
    provider, args, length = p.get("faker"), p.get("args") or {}, p.get("length", None if p.get("faker") else 8)
    size = max(200, min(5000, Sh.distinct(float(p.get("n_distinct", -1)), rows)))
    pool = build_pool(make_key(locale, provider, args, size)) if provider else []
    mean = sum(map(len, map(str, pool))) / len(pool) if pool else 0
    if length and (not pool or abs(mean - length) > max(3, 0.3 * length)):   # similar length, or letters
        pool = build_pool(make_key(locale, "lexify", {"text": "?" * int(length)}, size))
    return list(dict.fromkeys(encode_value(ptype, v) for v in pool))


def _dep_order(deps: dict[str, list[str]]) -> list[str]:
    """Columns in an order where each comes after the columns it is computed from."""
    order: list[str] = []
    pending = list(deps)
    while pending:
        ready = [n for n in pending if all(d in order for d in deps[n])]
        order += ready or pending          # a loop was refused when the scenario was read
        pending = [n for n in pending if n not in order]
    return order


def choice_values(s: FieldSpec) -> tuple[list[Any], list[float] | None]:
    if s.gen == "const":
        return [s.params["value"]], None
    c = s.params["choice"]
    if isinstance(c, dict):
        return list(c.keys()), [float(x) for x in c.values()]
    w = s.params.get("weights")
    return list(c), ([float(x) for x in w] if w else None)


class Generator:
    """All tables' generators in one process, compiled when first used."""

    def __init__(self, job: GenJob):
        self.job = job
        self._tables: dict[str, TableGen] = {}
        # table -> {(column, "time" or "cells")}: parent columns children take or are bounded by
        self.exported: dict[str, set[tuple[str, str]]] = {}
        for tp in job.plan.tables:
            for c in tp.spec.columns:
                for fk, pcol in paths(c.spec):
                    parent = tp.spec.column_named(fk).spec.params["ref"].split(".")[0]
                    self.exported.setdefault(parent, set()).add((pcol, "cells" if c.spec.gen == "same_as" else "time"))

    def table(self, name: str) -> TableGen:
        tg = self._tables.get(name)
        if tg is None:
            tg = self._tables[name] = TableGen(self, self.job.plan.table(name))
        return tg

    def chunk(self, table: str, index: int, names: Sequence[str]) -> bytes:
        return self.table(table).chunk(index, names)

    def warm(self, tables: Iterable[str]) -> None:
        """Compile every generator now (urns, pools), before the first chunk is asked for."""
        for name in tables:
            tg = self.table(name)
            for col in tg.order:
                tg.gen(col)
