"""Key generators and foreign keys.

Keys (serial, uuid, hex tokens, unique text, enumerated composite keys) answer at(rows):
the values of arbitrary rows, recomputed from the row number. That is how a foreign
key gets its parent's key without reading the parent back from the server, and why
any process can generate any chunk of a child table.
"""

from __future__ import annotations

import uuid as uuidlib
from itertools import chain, cycle, islice, repeat
from operator import add, and_, floordiv, mod, mul, rshift, xor
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import distributions as D
from .columns import JSON, Chunk, Gen
from .encode import json_fragment

if TYPE_CHECKING:
    from .shaped import ShapedRows

_V4 = bytes(((x & 0x0F) | 0x40) for x in range(256))
_VARIANT = bytes(((x & 0x3F) | 0x80) for x in range(256))
_MIX = 0x9E3779B97F4A7C15F39CC0605CEDC835F1BBCDCBFA53E0AB


class SerialGen(Gen):
    def __init__(self, family: str, offset: int, start: int = 1, step: int = 1, fmt: str | None = None,
                 scale: int = 2):
        self.family, self.offset, self.start, self.step, self.fmt, self.scale = family, offset, start, step, fmt, scale

    def _encode(self, nums: Iterable[int]) -> list[Any]:
        if self.family in ("text", JSON):
            out = list(map(str.encode, map((self.fmt or "{}").format, nums)))
            return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out
        if self.family == "numeric":
            return list(map(mul, nums, repeat(10 ** self.scale)))
        return list(nums)

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        st, first = self.step, self.start + (self.offset + c.lo) * self.step
        return "values", self._encode(range(first, first + c.n * st, st))

    def at(self, idx: list[int]) -> list[Any]:
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

    def _out(self, blob: bytes) -> tuple[str, Any]:
        if self.family == "uuid":
            return "blob", blob
        vals = [str(uuidlib.UUID(bytes=blob[i:i + 16])).encode() for i in range(0, len(blob), 16)]
        return "values", list(map(json_fragment, map(bytes.decode, vals))) if self.family == JSON else vals

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        return self._out(self._blob(c.index))

    def at(self, idx: list[int]) -> list[Any]:
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
                blob = cache.get(ci)
                if blob is None:
                    if len(cache) >= 256:
                        cache.clear()
                    blob = cache[ci] = self._blob(ci)
                parts.append(blob[16 * k:16 * k + 16])
        if self.family == "uuid":
            return parts
        vals: list[Any] = self._out(b"".join(parts))[1]
        return vals


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

    def _encode(self, mixed: Iterable[int]) -> list[Any]:
        masked = list(map(and_, mixed, repeat(self.mask)))
        xs = map(xor, masked, map(rshift, masked, repeat(self.half)))   # x ^ (x >> half): still a bijection
        out = list(map(self.fmt.__mod__, xs))
        return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        first = (self.offset + c.lo) * self.mult + self.salt
        return "values", self._encode(range(first, first + c.n * self.mult, self.mult))

    def at(self, idx: list[int]) -> list[Any]:
        return self._encode(map(add, map(mul, map(add, idx, repeat(self.offset)), repeat(self.mult)),
                                repeat(self.salt)))


class UniqueTextGen(Gen):
    """Pool values made unique by the row number: 'mary.smith41@example.org', 'blue-river-12'."""

    def __init__(self, family: str, offset: int, pool: list[Any], salt: int, max_len: int | None):
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
        mix = 40503 if all(r for r in rights) else 1   # domains mix only when all are emails
        self.rights = [rights[(k * mix) % size % len(rights)] for k in range(size)]
        self.a = D.coprime_multiplier(size, salt) | 1
        self.b = salt % size
        self.low = [b"%03d" % k for k in range(1000)]   # row number = high part, then 3 digits
        self._both: tuple[list[bytes], list[bytes]] | None = None

    def _encode(self, slots: list[int], highs: list[bytes], lows: list[bytes]) -> list[Any]:
        return self._join(map(self.lefts.__getitem__, slots), highs, lows, map(self.rights.__getitem__, slots))

    def _join(self, lefts: Iterable[bytes], highs: list[bytes], lows: list[bytes], rights: Iterable[bytes]) -> list[Any]:
        out = list(map(b"".join, zip(lefts, highs, lows, rights)))
        if self.max_len:
            out = [v if len(v) <= self.max_len else v[-self.max_len:] for v in out]
        return list(map(json_fragment, map(bytes.decode, out))) if self.family == JSON else out

    def _numbers(self, nums: list[int]) -> tuple[list[bytes], list[bytes]]:
        """The row numbers as text in two pieces: thousands (few per chunk) and 3 digits."""
        highs = list(map(floordiv, nums, repeat(1000)))
        text = {h: b"%d" % h if h else b"" for h in set(highs)}
        low = self.low
        lows = [low[k % 1000] if k >= 1000 else b"%d" % k for k in nums] if min(nums, default=1000) < 1000 \
            else list(map(low.__getitem__, map(mod, nums, repeat(1000))))
        return list(map(text.__getitem__, highs)), lows

    def _cycled(self) -> tuple[list[bytes], list[bytes]]:
        """Left and right parts of rows 0..65,535, twice: row r's are at r % 65,536 (the slot
        (r * a + b) % 65,536 repeats with that period), so a chunk's are one list slice."""
        if self._both is None:
            slots = [(k * self.a + self.b) & 0xFFFF for k in range(D.URN_SIZE)]
            lefts, rights = list(map(self.lefts.__getitem__, slots)), list(map(self.rights.__getitem__, slots))
            self._both = lefts + lefts, rights + rights
        return self._both

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        first, n = self.offset + c.lo, c.n
        num0 = first + 1
        if num0 >= 1000:   # consecutive numbers: the pieces come from repeats and a cycle
            highs = list(chain.from_iterable(
                repeat(b"%d" % h, min(n, (h + 1) * 1000 - num0) - max(0, h * 1000 - num0))
                for h in range(num0 // 1000, (num0 + n - 1) // 1000 + 1)))
            start = num0 % 1000
            lows = list(islice(cycle(self.low), start, start + n))
        else:
            highs, lows = self._numbers(list(range(num0, num0 + n)))
        if n <= D.URN_SIZE:
            lefts, rights = self._cycled()
            start = first % D.URN_SIZE
            return "values", self._join(lefts[start:start + n], highs, lows, rights[start:start + n])
        a = self.a
        slots = list(map(and_, range(first * a + self.b, (first + n) * a + self.b, a), repeat(0xFFFF)))
        return "values", self._encode(slots, highs, lows)

    def at(self, idx: list[int]) -> list[Any]:
        rows = list(map(add, idx, repeat(self.offset)))
        slots = list(map(and_, map(add, map(mul, rows, repeat(self.a)), repeat(self.b)), repeat(0xFFFF)))
        return self._encode(slots, *self._numbers(list(map(add, rows, repeat(1)))))


class RefGen(Gen):
    """A foreign key: parent row numbers by a cardinality distribution, then the parent's key.

    The row numbers stay in the chunk (Chunk.rows) for columns that take or bound their
    values by the parent row's (related.py). Parents up to KEY_CACHE rows have their keys
    listed once per process, so a row costs one list lookup.
    """

    KEY_CACHE = 2_000_000

    def __init__(self, family: str, parent: Gen, count: int, total: int, dist: str, s: float, salt: int,
                 self_ref: bool, group: str | None):
        self.family, self.parent, self.count, self.total = family, parent, count, total
        self.dist, self.salt, self.self_ref, self.group = dist, salt, self_ref, group
        self.zipf = D.ZipfIndex(count, s) if dist == "zipf" else None
        self._keys: list[Any] | None = None
        self._urn: list[Any] | None = None
        self._key_urn: list[Any] | None = None
        self.shaped: ShapedRows | None = None      # dist "shaped"
        self.need_rows = True   # False: no column looks up the parent row, keys straight from an urn

    def _rank_to_row(self, ranks: list[int]) -> list[int]:
        return D.scramble(ranks, self.count, self.salt) if self.dist == "zipf" else ranks

    def indices(self, c: Chunk, key: str) -> list[int]:
        rng = c.rng("fk:" + self.group if self.group else key)
        if self.self_ref and self.dist == "uniform":
            r = rng.random
            return [int(r() * i) for i in range(c.lo, c.lo + c.n)]   # an earlier row: trees, not loops
        return D.ref_indices(rng, self.dist, self.count, c.lo, c.n, self.total, self.salt, self.zipf)

    def _row_urn(self) -> list[Any]:
        """Parent rows in as many slots as their Zipf share: a skewed pick is one lookup."""
        if self._urn is None:
            size = min(max(1 << (self.count * 2 - 1).bit_length(), D.URN_SIZE), 1 << 20)
            shared = list(range(self.count))   # slots share one int object per row: less memory to walk
            assert self.zipf is not None   # only zipf references draw rows from an urn
            self._urn = list(map(shared.__getitem__, D.scramble(self.zipf.table(size), self.count, self.salt)))
        return self._urn

    def rows(self, c: Chunk, key: str) -> list[int]:
        """The parent row number of each row of the chunk."""
        if self.shaped is not None:
            return self.shaped.rows(c.rng(key), c.lo, c.n)
        if self.zipf is not None and not self.group and self.count <= self.KEY_CACHE:
            return D.draw_wide(c.rng(key), self._row_urn(), c.n)
        return self._rank_to_row(self.indices(c, key))

    def keys(self, rows: list[int]) -> list[Any]:
        if self.self_ref and self.dist == "uniform" or self.count > self.KEY_CACHE:
            return self.parent.at(rows)
        if self._keys is None:
            self._keys = self.parent.at(list(range(self.count)))
        return list(map(self._keys.__getitem__, rows))

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        if not self.need_rows and self.zipf is not None and not self.group and self.count <= self.KEY_CACHE:
            if self._key_urn is None:   # the keys themselves in the urn: one lookup a row
                self._key_urn = self.keys(self._row_urn())
            vals = D.draw_wide(c.rng(key), self._key_urn, c.n)
        else:
            rows = c.rows[key] = self.rows(c, key)
            vals = self.keys(rows)
        if self.family == "uuid":
            return "blob", b"".join(vals)
        return "values", vals


class ComboGen(Gen):
    """One column of a composite unique key, enumerated: row i gets digit (perm(i) // stride) % size."""

    def __init__(self, family: str, inner: Callable[[list[int]], list[Any]], size: int, stride: int, product: int, offset: int, salt: int,
                 is_ref: bool = False):
        self.family, self.inner, self.size, self.stride = family, inner, size, stride
        self.product, self.offset, self.is_ref = product, offset, is_ref
        self.a, self.b = D.coprime_multiplier(product, salt), salt % product

    def digits(self, idx: Iterable[int]) -> list[int]:
        a, b, P, st, sz, off = self.a, self.b, self.product, self.stride, self.size, self.offset
        return [(((off + i) * a + b) % P // st) % sz for i in idx]

    def at(self, idx: list[int]) -> list[Any]:
        return self.inner(self.digits(idx))

    def produce(self, c: Chunk, key: str) -> tuple[str, Any]:
        d = self.digits(range(c.lo, c.lo + c.n))
        if self.is_ref:   # a foreign key's digit is its parent row (see RefGen)
            c.rows[key] = d
        vals = self.inner(d)
        if self.family == "uuid":
            return "blob", b"".join(vals)
        return "values", vals


def digit_values(vals: list[Any]) -> Callable[[list[int]], list[Any]]:
    """digit -> the value of that rank (a composite key's choice column)"""
    return lambda d: [vals[k] for k in d]


def digit_plus(lo: int) -> Callable[[list[int]], list[Any]]:
    """digit -> lo + digit (a composite key's integer range column)"""
    return lambda d: [lo + k for k in d]
