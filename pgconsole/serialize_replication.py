"""The `replication`, `wal`, `io`, `horizon` and `autovacuum` keys of `snapshot --json`.

The snapshots' own fields (see replication_snapshots.py, documented in the README), plus
what their properties work out, so a consumer need not: whether a standby has replayed
all it received, whether archiving is failing, why each table is due, who holds the
horizon. A view the server would not give is {"unavailable", "hint"}.
"""

from __future__ import annotations

from .replication_snapshots import VIEWS, Autovacuum, Horizon, Replication, Wal
from typing import Any, Callable

from .serialize import Json, plain


def _replication(r: Replication) -> Json:
    data: Json = plain(r)
    data["caught_up"] = r.caught_up
    data["role"] = "standby" if r.status.is_standby else "primary"
    return data


def _wal(w: Wal) -> Json:
    data: Json = plain(w)
    data["requested_share"] = w.requested_share
    data["archive_failing"] = w.archive_failing
    return data


def _horizon(h: Horizon) -> Json:
    data: Json = plain(h)
    affecting = h.affecting()
    for holder, out in zip(h.holders, data["holders"]):
        out["affects_this_database"] = holder in affecting
    oldest = h.oldest
    data["oldest"] = None if oldest is None else {"kind": oldest.kind, "holder": oldest.holder,
                                                  "xmin_age": oldest.xmin_age}
    return data


def _autovacuum(av: Autovacuum) -> Json:
    data: Json = plain(av)
    data["all_busy"] = av.all_busy
    for w, out in zip(av.workers, data["workers"]):
        out.update(target=w.target, wraparound=w.wraparound, progress=w.progress)
    data["tables"] = [{**plain(n.table), "due": n.table.due, "dead_ratio": n.table.dead_ratio,
                       "insert_ratio": n.table.insert_ratio, "due_for_s": n.over_s} for n in av.tables]
    return data


SHAPERS: dict[str, tuple[type, Callable[[Any], Json]]] = {"replication": (Replication, _replication), "wal": (Wal, _wal), "horizon": (Horizon, _horizon),
           "autovacuum": (Autovacuum, _autovacuum)}


def replication_json(frame: object) -> Json:
    out: Json = {}
    for name in VIEWS:
        v = getattr(frame, name, None)
        shaper = SHAPERS.get(name)
        out[name] = shaper[1](v) if shaper is not None and isinstance(v, shaper[0]) else plain(v)
    return out
