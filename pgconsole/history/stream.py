"""Frames as a stream of records: a keyframe now and then, changes in between.

A record holds "slots": every field of the Frame (its views and its scalars) plus the
capabilities and the findings' catalog run. A view the monitor did not collect again
this round is the very same object as before: it is not written at all (a recording
holds what the monitor polled, at each view's own cadence). A view it did collect is
written as a patch against its previous value (delta.py), or not at all when nothing
changed, but it is named as sampled again: its ages are relative to the frame that
sampled it last (its "base" time).

Record payload (JSON, before compression):
  {"k": 1 (a keyframe), "s": {slot: value or patch}, "u": [slots sampled, unchanged],
   "b": {slot: base ms, where it is not this record's own time},
   "a": {application: [client sessions, active ones]} (when it changed; every keyframe)}
"a" is derived at record time so that a window's connection peaks need no session decoded.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from ..capabilities import Capabilities
from ..findings.catalog_rows import Catalog
from ..snapshots import Connections, Frame, Unavailable
from .codec import Encoder, TypeTable, from_us, to_us
from .decoder import Decoder
from .delta import SAME, apply, diff

if TYPE_CHECKING:
    from ..findings.model import FindingsResult, Thresholds

FORMAT_VERSION = 1        # a reader refuses anything newer; new fields and views do not change it
CAPS, CATALOG = "@caps", "@catalog"
KEYFRAME_EVERY = 300      # records at most between keyframes (5 minutes at 1 s)...
KEYFRAME_RATIO = 1.0      # ...and changes worth at most one keyframe: a seek reads at most about two


@dataclass(frozen=True)
class Moment:
    """What the console showed at one moment: the frame, the server's capabilities and the
    last catalog run (the findings' inputs)."""

    id: int
    at: datetime
    frame: Frame
    caps: Capabilities | None
    catalog: Catalog | None

    def findings(self, thresholds: Thresholds | None = None, only: Iterable[str] | None = None) -> FindingsResult:
        from ..findings import evaluate
        from ..findings.model import Thresholds
        caps = self.caps
        if caps is None:
            raise ValueError("no capabilities recorded at this moment")
        return evaluate(self.frame, self.catalog, caps, thresholds or Thresholds(), only=only, now=self.at)


@dataclass(frozen=True)
class Record:
    at_us: int
    key: bool
    payload: bytes
    summary: dict[str, Any]


def slots_of(frame: Frame, caps: Capabilities | None, catalog: Catalog | None) -> dict[str, Any]:
    # `stale` (which views were older reads) is the live console's, not a recorded figure
    out = {f.name: getattr(frame, f.name) for f in dataclasses.fields(frame) if f.name != "stale"}
    out[CAPS] = caps
    out[CATALOG] = catalog
    return out


def app_counts(conns: object) -> dict[str, list[int]] | None:
    """Client sessions by application_name: [sessions, active ones] (not this monitor's own)."""
    if not isinstance(conns, Connections):
        return None
    out: dict[str, list[int]] = {}
    for b in conns.backends:
        if b.is_self or b.backend_type not in (None, "client backend"):
            continue
        c = out.setdefault(b.application_name or "", [0, 0])
        c[0] += 1
        if b.state is not None and b.state != "idle":
            c[1] += 1
    return out


def summary(frame: Frame) -> dict[str, Any]:
    """A few figures per record for timelines and quick scans (the UI's markers)."""
    out: dict[str, Any] = {}
    locks, ov = frame.locks, frame.overview
    if locks is not None and not isinstance(locks, Unavailable):
        out["w"] = getattr(locks, "waiting_count", 0)
    row = getattr(ov, "row", None)
    if row is not None:
        out["c"] = getattr(row, "connections_used", None)
        started = getattr(row, "started_at", None)
        if isinstance(started, datetime):
            out["s"] = int(started.timestamp())     # a restart: the timeline's marker
    if frame.errors:
        out["e"] = len(frame.errors)
    return out


class RecordWriter:
    """Turns each moment into a record against what it wrote before."""

    def __init__(self, types: TypeTable, keyframe_every: int = KEYFRAME_EVERY):
        self.types = types
        self.keyframe_every = keyframe_every
        self.encoder = Encoder(types)
        self._objs: dict[str, Any] = {}     # the objects last seen per slot
        self._encs: dict[str, Any] = {}     # their encoded value, as the reader rebuilds it
        self._base: dict[str, float] = {}   # ms: when each slot was sampled last
        self.since_key = 0
        self._key_bytes = 0                 # the last keyframe's payload, and the changes since
        self._delta_bytes = 0
        self._apps: dict[str, Any] | None = None

    def reset(self) -> None:
        """Forget what was written: the next record is a keyframe holding every slot."""
        self.encoder = Encoder(self.types)
        self._objs.clear()
        self._encs.clear()
        self._base.clear()
        self._apps = None
        self.since_key = 0

    def record(self, frame: Frame, caps: Capabilities | None, catalog: Catalog | None) -> Record:
        at_us = to_us(frame.sampled_at)
        t_ms = at_us / 1000.0
        key = (self.since_key % self.keyframe_every == 0
               or self._delta_bytes > KEYFRAME_RATIO * self._key_bytes)
        if key:
            self.since_key = 0
        changed: dict[str, Any] = {}
        touched: list[str] = []
        for slot, obj in slots_of(frame, caps, catalog).items():
            if slot in self._objs and obj is self._objs[slot] and not isinstance(obj, (int, float, str)):
                continue
            enc = self.encoder.encode_root(obj, t_ms, slot)
            if slot in self._encs:
                patch, effective = diff(self._encs[slot], enc)
            else:
                patch, effective = enc, enc
            self._objs[slot], self._encs[slot], self._base[slot] = obj, effective, t_ms
            if patch is SAME:
                touched.append(slot)
            else:
                changed[slot] = patch
        if key:
            body: dict[str, Any] = {"k": 1, "s": dict(self._encs)}
            old = {s: b for s, b in self._base.items() if b != t_ms}
        else:
            body, old = {"s": changed}, {}
            if touched:
                body["u"] = touched
        if old:
            body["b"] = old
        if key or "connections" in changed or "connections" in touched:
            apps = app_counts(frame.connections)
            if key or apps != self._apps:
                body["a"] = self._apps = apps
        self.since_key += 1
        payload = json.dumps(body, separators=(",", ":"), allow_nan=True).encode()
        if key:
            self._key_bytes, self._delta_bytes = len(payload), 0
        else:
            self._delta_bytes += len(payload)
        return Record(at_us, key, payload, summary(frame))


class RecordReader:
    """Rebuilds moments from a keyframe and the records after it, in order."""

    def __init__(self, types: TypeTable):
        self.types = types
        self.decoder = Decoder(types)
        self.encs: dict[str, Any] = {}
        self.base: dict[str, float] = {}
        self._decoded: dict[str, tuple[Any, float, Any]] = {}   # slot -> (enc, base, object)
        self.at_us: int | None = None
        self.sampled: frozenset[str] = frozenset()   # the slots the last record sampled again
        self.apps: dict[str, list[int]] | None = None   # client sessions by application

    def apply(self, at_us: int, body: dict[str, Any]) -> None:
        t_ms = at_us / 1000.0
        if body.get("k"):
            self.encs = dict(body["s"])
            self.base = {s: t_ms for s in self.encs}
            self.sampled = frozenset(self.encs)
        else:
            if self.at_us is None:
                raise ValueError("a change record without its keyframe")
            for slot, patch in body.get("s", {}).items():
                self.encs[slot] = apply(self.encs.get(slot), patch)
                self.base[slot] = t_ms
            for slot in body.get("u", ()):
                self.base[slot] = t_ms
            self.sampled = frozenset(body.get("s", ())) | frozenset(body.get("u", ()))
        self.base.update(body.get("b", {}))
        if "a" in body or body.get("k"):
            self.apps = body.get("a")
        self.at_us = at_us

    def value(self, slot: str, ages: bool = True) -> Any:
        """A slot's object. ages=False: rows whose only change is their ages may keep the
        ages of an earlier moment (for a caller that reads no age: much cheaper)."""
        enc, base = self.encs.get(slot), self.base.get(slot, 0.0)
        hit = self._decoded.get(slot)
        if hit is not None and hit[0] is enc and (hit[1] == base or not ages):
            return hit[2]
        obj = self.decoder.decode_root(enc, base, slot, ages)
        if ages:
            self._decoded[slot] = (enc, base, obj)
        return obj

    def moment(self, rec_id: int) -> Moment:
        assert self.at_us is not None
        values = {}
        for f in dataclasses.fields(Frame):
            if f.name in self.encs:
                values[f.name] = self.value(f.name)
            elif f.default is not dataclasses.MISSING:
                values[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                values[f.name] = f.default_factory()
            else:
                values[f.name] = None
        if not isinstance(values.get("sampled_at"), datetime):
            values["sampled_at"] = from_us(self.at_us)
        caps, catalog = self.value(CAPS), self.value(CATALOG)
        return Moment(rec_id, from_us(self.at_us), Frame(**values),
                      caps if isinstance(caps, Capabilities) else None,
                      catalog if isinstance(catalog, Catalog) else None)


def parse_payload(payload: bytes) -> dict[str, Any]:
    body = json.loads(payload)
    if not isinstance(body, dict) or not isinstance(body.get("s"), dict):
        raise ValueError("not a pgconsole record")
    return body
