"""Helpers for the history tests: compare frames as the recording keeps them, write canned recordings."""

from __future__ import annotations

import dataclasses
import math

from pgconsole.history.codec import CLOCK_FIELD, CLOCK_TOLERANCE_S, TypeTable
from pgconsole.history.compress import Packer
from pgconsole.history.sqlite_store import SqliteSink
from pgconsole.history.stream import RecordWriter


def differences(a, b, name: str = "", path: str = "", out: list | None = None) -> list:
    """Where two snapshot trees differ; clock fields may differ by the clock tolerance."""
    out = [] if out is None else out
    if CLOCK_FIELD.search(name) and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if abs(a - b) > CLOCK_TOLERANCE_S + 0.002:
            out.append((path, a, b))
        return out
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        for f in dataclasses.fields(a):
            differences(getattr(a, f.name), getattr(b, f.name), f.name, f"{path}.{f.name}", out)
        return out
    if isinstance(a, (list, tuple)) and type(a) is type(b) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            differences(x, y, name, f"{path}[{i}]", out)
        return out
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for k in a:
            differences(a[k], b[k], name, f"{path}[{k!r}]", out)
        return out
    nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    if type(a) is not type(b) or (a != b and not nan):
        out.append((path, a, b))
    return out


async def write_recording(path: str, moments, name: str = "canned", keyframe_every: int = 300,
                          retention_s=None, max_bytes=None) -> SqliteSink:
    """Record (frame, caps, catalog) triples into a file as the recorder would; returns the closed sink."""
    sink = await SqliteSink.open(path, name, f"tester@{name}", retention_s, max_bytes)
    types = TypeTable()
    writer, packer = RecordWriter(types, keyframe_every), Packer()
    moments = list(moments)
    try:
        for frame, caps, catalog in moments:
            rec = writer.record(frame, caps, catalog)
            await sink.append(rec.at_us, rec.key, packer.pack(rec.payload, rec.key), rec.summary,
                              list(types.pending))
            types.pending.clear()
            await sink.prune(rec.at_us)
        if moments:
            await sink.prune(rec.at_us, force=True)
    finally:
        await sink.close()
    return sink
