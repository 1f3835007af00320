"""Encoded values (codec.py) back to objects, reusing what did not change.

The reader shares the encoded rows a change left alone between consecutive moments, so
decoding goes by identity: a row met again is the object decoded last time (with its
ages moved when it is read for a later moment), and only changed rows cost a decode.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import islice
from typing import Any

from .codec import TypeTable, from_us


class Decoder:
    """Encoded values -> objects. A dataclass is decoded once and reused while its encoded
    list is the same object (the reader shares unchanged rows) and, if it holds clock values
    (its own or below), while it is decoded for the same sampling time; a row whose only
    clock values are its own is copied with its ages moved."""

    def __init__(self, types: TypeTable):
        self.types = types
        self._memos: dict[str, dict[int, tuple[Any, ...]]] = {}     # per slot: id(encoded row) -> (row, object, t_ms, ...)
        self._memo: dict[int, tuple[Any, ...]] = {}
        self._next: dict[int, tuple[Any, ...]] = {}
        self._timed = False                    # the value being decoded holds clock values
        self._ages = True                      # False: a row's ages may be those of its last decode

    def decode_root(self, enc: Any, t_ms: float, slot: str = "", ages: bool = True) -> Any:
        """Decode one slot's value; rows kept from its previous decode are reused (ages=False:
        with the ages they had then)."""
        self._memo, self._next, self._timed = self._memos.get(slot, {}), {}, False
        self._ages = ages
        out = self.decode(enc, t_ms)
        self._memos[slot] = self._next
        self._memo, self._next = {}, {}
        return out

    def _items(self, v: list[Any], t_ms: float) -> list[Any]:
        """A sequence's items; a row met again costs no call (most rows of most frames)."""
        memo, nxt, decode, ages = self._memo, self._next, self.decode, self._ages
        get, new, setdict = memo.get, object.__new__, object.__setattr__
        timed = False
        out: list[Any] = []
        append = out.append
        for x in islice(v, 1, None):
            if x.__class__ is not list:
                append(x)
                continue
            key = id(x)
            hit = get(key)
            if hit is None or hit[0] is not x:
                append(decode(x, t_ms))
                continue
            if not (hit[3] or hit[4]) or hit[2] == t_ms or not ages:
                nxt[key] = hit
                timed = timed or hit[3] or hit[4]
                append(hit[1])
            elif not hit[4]:        # the same row sampled again: only its own ages move
                obj = hit[1]
                moved = new(obj.__class__)
                d = dict(obj.__dict__)
                for name, anchor in hit[5]:
                    d[name] = (t_ms - anchor) / 1000.0
                setdict(moved, "__dict__", d)
                nxt[key] = (x, moved, t_ms, True, False, hit[5])
                timed = True
                append(moved)
            else:
                append(decode(x, t_ms))
        if timed:
            self._timed = True
        return out

    def decode(self, v: Any, t_ms: float) -> Any:
        if v.__class__ is not list:
            return v
        tag = v[0]
        if tag.__class__ is int:
            cls, fillable, plan, clock = self.types.reader(tag)
            hit = self._memo.get(id(v))
            if hit is not None and hit[0] is v:
                # (row, object, t_ms, own clock values, clock values below, own (field, anchor)s)
                obj, timed, below = hit[1], hit[3], hit[4]
                if not (timed or below) or hit[2] == t_ms or not self._ages:
                    self._next[id(v)] = hit
                    self._timed = self._timed or timed or below
                    return obj
                if not below:           # the same row sampled again: only its own ages move
                    d = dict(obj.__dict__)
                    for name, anchor in hit[5]:
                        d[name] = (t_ms - anchor) / 1000.0
                    obj = object.__new__(type(obj))   # the row's class (cls)
                    object.__setattr__(obj, "__dict__", d)
                    self._next[id(v)] = (v, obj, t_ms, True, False, hit[5])
                    self._timed = True
                    return obj
            if cls is None:
                return None
            outer, self._timed = self._timed, False
            values = {}
            n = len(v)
            decode = self.decode
            anchors = []
            for name, pos, default, is_clock in plan:
                if pos is None or pos >= n:
                    values[name] = default
                    continue
                x = v[pos]
                if x.__class__ is list:
                    values[name] = decode(x, t_ms)
                elif is_clock and (x.__class__ is int or x.__class__ is float):
                    values[name] = (t_ms - x) / 1000.0
                    anchors.append((name, x))
                else:
                    values[name] = x
            own = bool(anchors)
            below, self._timed = self._timed, outer or self._timed or own
            if fillable:
                obj = object.__new__(cls)
                obj.__dict__.update(values)
            else:
                obj = cls(**values)
            if fillable or not own:
                self._next[id(v)] = (v, obj, t_ms, own, below, tuple(anchors))
            return obj
        if tag == "t" or tag == "l":
            items = self._items(v, t_ms)
            return tuple(items) if tag == "t" else items
        if tag == "d":
            return {self.decode(v[i], t_ms): self.decode(v[i + 1], t_ms) for i in range(1, len(v), 2)}
        if tag == "D":
            ts = from_us(v[1])
            if len(v) > 2:
                ts = ts.replace(tzinfo=None) if v[2] is None else ts.astimezone(
                    dt.timezone(dt.timedelta(seconds=v[2])))
            return ts
        if tag == "N":
            return Decimal(v[1])
        if tag == "Y":
            return dt.date.fromisoformat(v[1])
        if tag == "I":
            return dt.timedelta(microseconds=v[1])
        if tag == "S":
            return v[1]
        raise ValueError(f"unknown tag {tag!r}")
