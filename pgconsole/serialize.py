"""Snapshots as plain JSON-ready data, with stable field names (documented in the README).

Nested `row`/`io` records are flattened into their parent so a consumer sees one
object per statement, table or backend; derived figures sit beside raw counters.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from .snapshots import Frame, Locks, Statements, Unavailable

FLATTEN = ("row", "io")
DEFAULT_TOP = 50

Json = dict[str, Any]   # a JSON object, as plain() makes one


def plain(obj: Any) -> Any:
    if isinstance(obj, Unavailable):
        return {"unavailable": obj.reason, "hint": obj.hint}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in FLATTEN and dataclasses.is_dataclass(value):
                out.update(plain(value))
            elif f.name == "backend":
                continue  # lock nodes carry the backend: the pid links to connections
            else:
                out[f.name] = plain(value)
        return out
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def _locks(locks: Locks) -> Json:
    data: Json = plain(locks)
    for node, out in zip(locks.nodes, data["nodes"]):
        b = node.backend
        out["prepared_transaction"] = node.pid == 0
        out.update(usename=b.usename if b else None, application_name=b.application_name if b else None,
                   state=b.state if b else None, xact_age_s=b.xact_age_s if b else None,
                   query=b.query if b else None)
    return data


def _statements(st: Statements, top: int, own: bool) -> Json:
    kept = [s for s in st.statements if own or not s.own][:top]
    data: Json = plain(dataclasses.replace(st, statements=tuple(kept)))
    for s, out in zip(kept, data["statements"]):
        out["d_mean_ms"] = s.d_mean_ms
        out["own"] = s.own
    data["count"] = len(st.statements)
    data["own_count"] = sum(1 for s in st.statements if s.own)
    return data


def frame_json(frame: Frame, top: int = DEFAULT_TOP, own: bool = False) -> Json:
    """The JSON document of `pgconsole snapshot --json`; `own`: keep pgconsole's own statements."""
    from .serialize_replication import replication_json
    ov = frame.overview
    server = plain(ov)
    if ov is not None and not isinstance(ov, Unavailable):
        server["uptime_s"] = ov.uptime_s
        server["usable_connections"] = ov.usable_connections
        server["connection_use"] = ov.connection_use
    return {
        "sampled_at": frame.sampled_at.isoformat(),
        "server": server,
        "connections": plain(frame.connections),
        "locks": _locks(frame.locks) if isinstance(frame.locks, Locks) else plain(frame.locks),
        "cache": plain(frame.cache),
        "statements": (_statements(frame.statements, top, own) if isinstance(frame.statements, Statements)
                       else plain(frame.statements)),
        "bloat": plain(frame.bloat),
        **replication_json(frame),   # replication, wal, io, horizon, autovacuum
    }
