"""Frozen dataclass trees as plain JSON-ready values, generically, by their fields.

Nothing here knows a view: any frozen dataclass of a pgconsole module is written as
[type id, field values...], and the file keeps each type's name and field names
once (a TypeTable). A reader maps the stored fields onto the fields its own class has
now by name: a field added since is filled with its default (or None), a field removed
is dropped. So other engineers' new views and fields flow into recordings unchanged.

Encoded values: JSON scalars as they are; every list starts with a tag:
  [int type id, v...]  a dataclass          ["t", v...] a tuple     ["l", v...] a list
  ["d", k, v, k, v...] a dict               ["D", µs since the epoch (, UTC offset s)] a datetime
  ["N", text] a Decimal  ["Y", iso] a date  ["I", µs] a timedelta   ["S", text] anything else (as text)
"Clock" fields (names ending in age_s or wait_s: seconds since some moment, growing by
one every second) are written as that moment, in milliseconds since the epoch, relative
to the time the view was sampled: an idle session's row then stays the same from one
frame to the next. A moment that moved less than CLOCK_TOLERANCE_S (sampling jitter)
keeps the one written before, so they read back within that tolerance (decoder.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import importlib
import operator
import re
from decimal import Decimal
from typing import Any, Callable

from ..snapshots import _fillable

CLOCK_FIELD = re.compile(r"(^|_)(age|wait)_s$")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
ALLOWED_MODULES = ("pgconsole.",)   # a recording only ever builds pgconsole's own dataclasses


class Rows(list[Any]):
    """An encoded tuple/list of dataclasses, with each row's key (kept by the writer only)."""

    __slots__ = ("keys",)
    keys: list[Any]


Getter = Callable[[Any], tuple[Any, ...]]
Cache = dict[type, dict[Any, tuple[Any, list[Any]]]]
Encode = Callable[[Any, float], Any]
# an encoder's plan for a class: type id, (field, is clock) pairs, getters of the other fields and of
# the clock fields, the clock positions, whether rows may be cached, the class's own encoding function
Plan = tuple[int, tuple[tuple[str, bool], ...], Getter, Getter, tuple[int, ...], bool, Encode]
# a decoder's reader for a type id: class (None: unknown), fillable, (field, stored position,
# default, is clock) of every field, (field, stored position) of the clock fields
Reader = tuple["type | None", bool, tuple[tuple[str, "int | None", Any, bool], ...],
               tuple[tuple[str, "int | None"], ...]]


def row_key(obj: Any) -> Any:
    """What identifies a row from one frame to the next: its `key` if the class has one,
    else its first field (a nested dataclass: that one's key). Only compactness rests on it."""
    cls: type = type(obj)
    get, first_field = _key_getter(cls)
    k = get(obj)
    if first_field and hasattr(type(k), "__dataclass_fields__") and not isinstance(k, type):
        return row_key(k)
    return tuple(k) if isinstance(k, list) else k


@functools.lru_cache(maxsize=None)
def _key_getter(cls: type) -> tuple[Callable[[Any], Any], bool]:
    """(the getter of a class's row key, whether that is its first field): looked up once a class."""
    if isinstance(getattr(cls, "key", None), property):
        return operator.attrgetter("key"), False
    names = _field_names(cls)
    return (operator.attrgetter(names[0]) if names else (lambda obj: None)), True


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def to_us(ts: dt.datetime) -> int:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.timezone.utc)
    return (ts - EPOCH) // dt.timedelta(microseconds=1)


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


class TypeTable:
    """Type ids <-> (class, stored field names). One per file or store; ids are the store's."""

    def __init__(self) -> None:
        self.by_id: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._ids: dict[tuple[str, tuple[str, ...]], int] = {}
        self._cls_ids: dict[type, int] = {}
        self.pending: list[tuple[int, str, tuple[str, ...]]] = []   # new since the last write
        self._readers: dict[int, Reader] = {}

    def add(self, tid: int, name: str, fields: tuple[str, ...]) -> None:
        self.by_id[tid] = (name, tuple(fields))
        self._ids[(name, tuple(fields))] = tid

    def id_of(self, cls: type) -> int:
        tid = self._cls_ids.get(cls)
        if tid is None:
            sig = (type_name(cls), _field_names(cls))
            tid = self._ids.get(sig)
            if tid is None:
                tid = max(self.by_id, default=0) + 1
                self.add(tid, *sig)
                self.pending.append((tid, *sig))
            self._cls_ids[cls] = tid
        return tid

    def clock_fields(self, tid: int) -> frozenset[int]:
        """Positions (1-based, as in the encoded list) of the clock fields of a type."""
        return _clock_positions(self.by_id[tid][1])

    def reader(self, tid: int) -> Reader:
        """(class or None, fillable, [(field, stored position or None, default, is clock)],
        [(field, stored position) of the clock fields])."""
        r = self._readers.get(tid)
        if r is None:
            name, stored = self.by_id[tid]
            cls = resolve_class(name)
            clock = _clock_positions(stored)
            plan: list[tuple[str, int | None, Any, bool]] = []
            if cls is not None:
                pos = {f: i + 1 for i, f in enumerate(stored)}
                for f in dataclasses.fields(cls):
                    default = (f.default if f.default is not dataclasses.MISSING else
                               f.default_factory() if f.default_factory is not dataclasses.MISSING else None)
                    plan.append((f.name, pos.get(f.name), default, pos.get(f.name) in clock))
            r = self._readers[tid] = (cls, cls is not None and _fillable(cls), tuple(plan),
                                      tuple((n, p) for n, p, _, c in plan if c))
        return r


@functools.lru_cache(maxsize=None)
def _clock_positions(fields: tuple[str, ...]) -> frozenset[int]:
    return frozenset(i + 1 for i, f in enumerate(fields) if CLOCK_FIELD.search(f))


@functools.lru_cache(maxsize=None)
def resolve_class(name: str) -> type | None:
    """The dataclass a stored type name means today; None if it no longer exists."""
    if not name.startswith(ALLOWED_MODULES):
        return None
    module, _, qual = name.rpartition(".")
    while module:
        try:
            obj: Any = importlib.import_module(module)
        except ImportError:
            module, _, head = module.rpartition(".")
            qual = f"{head}.{qual}"
            continue
        for part in qual.split("."):
            obj = getattr(obj, part, None)
        return obj if isinstance(obj, type) and dataclasses.is_dataclass(obj) else None
    return None


SCALARS = frozenset({type(None), bool, int, float, str})
CLOCK_TOLERANCE_S = 0.1
TOLERANCE_MS = CLOCK_TOLERANCE_S * 1000


def _getter(names: list[str]) -> Getter:
    if not names:
        return lambda obj: ()
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else (lambda obj: (get(obj),))


class Encoder:
    """Objects -> encoded values. `t_ms`: the sampling time clock fields are taken from.

    Rows (dataclasses in a tuple or list) are remembered per slot by key: a row whose
    fields are equal to last time's, and whose clock fields moved less than
    CLOCK_TOLERANCE_S, is given back as the very same encoded list (the diff then costs
    nothing); a clock field within the tolerance keeps the moment written last time."""

    def __init__(self, types: TypeTable) -> None:
        self.types = types
        self._plans: dict[type, Plan] = {}
        # per slot, class and row key: (the row last encoded, its encoding). The row itself, not
        # a tuple of its fields: rows are frozen and the frame holds them anyway (a copy of each
        # of 4,900 statements' fields, and a (class, key) tuple each, were 1.2 MB)
        self._caches: dict[str, Cache] = {}
        self._old: Cache = {}
        self._new: Cache = {}

    def _plan(self, cls: type) -> Plan:
        plan = self._plans.get(cls)
        if plan is None:
            tid = self.types.id_of(cls)
            clock = self.types.clock_fields(tid)
            names = _field_names(cls)
            fields = tuple((name, i in clock) for i, name in enumerate(names, 1))
            plain = [n for i, n in enumerate(names, 1) if i not in clock]
            # rows are compared by their own values: only when no field opts out of equality
            cacheable = all(f.compare for f in dataclasses.fields(cls))
            plan = self._plans[cls] = (tid, fields, _getter(plain), _getter([n for n, c in fields if c]),
                                       tuple(sorted(clock)), cacheable, _compile(tid, fields, self.encode))
        return plan

    def encode_root(self, obj: Any, t_ms: float, slot: str = "") -> Any:
        self._old, self._new = self._caches.get(slot, {}), {}
        try:
            return self.encode(obj, t_ms)
        finally:
            self._caches[slot] = self._new
            self._old, self._new = {}, {}

    def encode(self, obj: Any, t_ms: float) -> Any:
        cls = type(obj)
        if cls in SCALARS:
            return obj
        if hasattr(cls, "__dataclass_fields__"):
            plan = self._plans.get(cls) or self._plan(cls)
            return plan[6](obj, t_ms)
        if (cls is tuple or cls is list) and obj and all(hasattr(type(v), "__dataclass_fields__") for v in obj):
            rows = Rows(["t" if cls is tuple else "l"])
            rows.keys = _unique([row_key(v) for v in obj])
            for v, k in zip(obj, rows.keys):
                rows.append(self._row(v, k, t_ms))
            return rows
        if cls is tuple or cls is list:
            enc = self.encode
            return ["t" if cls is tuple else "l", *(v if type(v) in SCALARS else enc(v, t_ms) for v in obj)]
        return self._other(obj, t_ms)

    def _row(self, v: Any, k: Any, t_ms: float) -> list[Any]:
        cls: type = type(v)
        _, _, plain, clocks, positions, cacheable, _ = self._plans.get(cls) or self._plan(cls)
        if not cacheable:
            encoded: list[Any] = self.encode(v, t_ms)
            return encoded
        old = self._old.get(cls)
        hit = old.get(k) if old is not None else None
        new = self._new.get(cls)
        if new is None:
            new = self._new[cls] = {}
        enc: list[Any]
        if hit is not None and (hit[0] is v or plain(hit[0]) == plain(v)):
            enc = hit[1]
            for pos, age in zip(positions, clocks(v)):
                a = enc[pos]
                if age is None and a is None:
                    continue
                if not ((type(age) is float or type(age) is int) and type(a) is int
                        and abs(t_ms - age * 1000.0 - a) <= TOLERANCE_MS):
                    break
            else:
                new[k] = hit
                return enc
        enc = self.encode(v, t_ms)
        if hit is not None and len(hit[1]) == len(enc):
            prev = hit[1]
            for pos in positions:
                a, b = prev[pos], enc[pos]
                if type(a) is int and type(b) is int and abs(a - b) <= TOLERANCE_MS:
                    enc[pos] = a      # the same moment, sampled again: keep what was written
            # a field equal to last time's is last time's very value: a statement whose interval
            # figures moved keeps its row's encoded list, so this cache and the diff's rebuilt
            # value (delta.py) share it instead of holding one each (2 MB at 4,900 statements)
            for pos in range(1, len(enc)):
                a, b = prev[pos], enc[pos]
                if a is not b and type(a) is type(b) and a == b:
                    enc[pos] = a
        new[k] = (v, enc)
        return enc

    def _other(self, obj: Any, t_ms: float) -> Any:
        if isinstance(obj, (tuple, list)):
            return ["t" if isinstance(obj, tuple) else "l", *(self.encode(v, t_ms) for v in obj)]
        if isinstance(obj, dict):
            out = ["d"]
            for k, v in obj.items():
                out += [self.encode(k, t_ms), self.encode(v, t_ms)]
            return out
        if isinstance(obj, dt.datetime):
            us = to_us(obj)
            off = obj.utcoffset()
            if obj.tzinfo is None:
                return ["D", us, None]
            return ["D", us] if not off else ["D", us, int(off.total_seconds())]
        if isinstance(obj, Decimal):
            return ["N", str(obj)]
        if isinstance(obj, dt.date):
            return ["Y", obj.isoformat()]
        if isinstance(obj, dt.timedelta):
            return ["I", obj // dt.timedelta(microseconds=1)]
        if isinstance(obj, (bool, int, float, str)):     # subclasses (an IntEnum...)
            return obj if not isinstance(obj, bool) else bool(obj)
        return ["S", str(obj)]


def _compile(tid: int, fields: tuple[tuple[str, bool], ...], encode: Encode) -> Encode:
    """A class's encoding as one generated function: [tid, field values...], each scalar as it
    is, anything else through `encode`, a clock field (a number) as the moment it counts from.
    (A generic loop over the fields cost most of the rewind's time: a session row has 35.)"""
    scope: dict[str, Any] = {"get": operator.attrgetter(*(n for n, _ in fields)) if fields else None,
                             "S": SCALARS, "E": encode, "T": tid}
    exec(_source(tuple(c for _, c in fields)), scope)
    fn: Encode = scope["enc"]
    return fn


@functools.lru_cache(maxsize=None)
def _source(clocks: tuple[bool, ...]) -> Any:
    """The compiled definition of `enc` (made of field positions only, never of a name)."""
    items = []
    for i, clock in enumerate(clocks):
        v = f"v{i}"
        if clock:
            items.append(f"(round(t_ms - {v} * 1000.0) if (t := type({v})) is float or t is int "
                         f"else {v} if t in S else E({v}, t_ms))")
        else:
            items.append(f"({v} if type({v}) in S else E({v}, t_ms))")
    if not clocks:
        body = "    return [T]"
    else:
        unpack = ", ".join(f"v{i}" for i in range(len(clocks)))   # one name: attrgetter answers the value
        body = f"    {unpack} = get(obj)\n    return [T, {', '.join(items)}]"
    return compile(f"def enc(obj, t_ms):\n{body}\n", "<pgconsole.history.codec>", "exec")


def _unique(keys: list[Any]) -> list[Any]:
    """Row keys made unique: a repeated key gets its occurrence number."""
    seen: dict[Any, int] = {}
    out = []
    for k in keys:
        try:
            n = seen.get(k, 0)
        except TypeError:          # unhashable: no key
            k, n = repr(k), seen.get(repr(k), 0)
        seen[k] = n + 1
        out.append(k if n == 0 else (k, "#", n))
    return out
