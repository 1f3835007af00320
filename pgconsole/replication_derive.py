"""Pure derivations for pane 7's views: WAL and I/O rates from two samples, how long a
state has lasted from a collector's memory, and the dead rows that wait on the xmin
horizon. No I/O; counters that go backwards (a reset) give None, as in derive.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, TypeVar

from .derive import delta, rate
from .replication_snapshots import (
    Autovacuum, AutovacuumNext, AutovacuumSettings, AutovacuumTable, AutovacuumWorker, Horizon, Io,
    IoRow, IoStat, Wal, WalRow,
)

K = TypeVar("K")


def wal(cur: WalRow, prev: WalRow | None, seconds: float | None) -> Wal:
    if prev is not None and (prev.is_standby != cur.is_standby
                             or prev.checkpoint_stats_reset != cur.checkpoint_stats_reset):
        prev = None   # promoted, or the statistics were reset: no interval to speak of
    p = prev
    secs = seconds if p is not None else None
    archiver_same = p is not None and p.archiver_stats_reset == cur.archiver_stats_reset
    return Wal(
        row=cur,
        interval_s=secs,
        wal_bytes_per_s=rate(cur.lsn_bytes, p.lsn_bytes if p else None, secs),
        records_per_s=rate(cur.wal_records, p.wal_records if p else None, secs),
        fpi_per_s=rate(cur.wal_fpi, p.wal_fpi if p else None, secs),
        buffers_full_delta=delta(cur.wal_buffers_full, p.wal_buffers_full if p else None),
        checkpoints_timed_delta=delta(cur.checkpoints_timed, p.checkpoints_timed if p else None),
        checkpoints_requested_delta=delta(cur.checkpoints_requested, p.checkpoints_requested if p else None),
        archived_delta=delta(cur.archived_count, p.archived_count if archiver_same and p is not None else None),
        failed_delta=delta(cur.failed_count, p.failed_count if archiver_same and p is not None else None),
    )


def io(rows: Iterable[IoRow], prev: dict[tuple[str, str, str], IoRow] | None, seconds: float | None, timing: bool) -> Io:
    """Per-second rates by (backend type, object, context); busiest over the interval first."""
    out = []
    for r in rows:
        p = prev.get(r.key) if prev is not None else None
        if prev is not None and p is None:
            p = IoRow(r.backend_type, r.object, r.context, *(0,) * 13)   # new row: counted from zero
        secs = seconds if p is not None else None

        def per_s(attr: str) -> float | None:
            return rate(getattr(r, attr), getattr(p, attr) if p is not None else None, secs)

        out.append(IoStat(row=r, reads_per_s=per_s("reads"), writes_per_s=per_s("writes"),
                          extends_per_s=per_s("extends"), hits_per_s=per_s("hits"),
                          evictions_per_s=per_s("evictions"), fsyncs_per_s=per_s("fsyncs"),
                          read_ms_per_s=per_s("read_ms"), write_ms_per_s=per_s("write_ms")))

    def busy(s: IoStat) -> float:
        if s.reads_per_s is None:   # first sample: lifetime totals
            r = s.row
            return float((r.reads or 0) + (r.writes or 0) + (r.extends or 0) + (r.fsyncs or 0))
        return (s.reads_per_s or 0) + (s.writes_per_s or 0) + (s.extends_per_s or 0) + (s.fsyncs_per_s or 0)

    out.sort(key=lambda s: (-busy(s), s.row.key))
    return Io(rows=tuple(out), interval_s=seconds if prev is not None else None, timing=timing)


def since(seen: dict[K, float], key: K, now: float, active: bool) -> float | None:
    """How long `key` has been in a state, by the first sample that saw it there (updates `seen`);
    None when it is not (and forgets it), 0.0 the first time."""
    if not active:
        seen.pop(key, None)
        return None
    first = seen.setdefault(key, now)
    return now - first


def autovacuum(settings: AutovacuumSettings, workers: Iterable[AutovacuumWorker],
               tables: Iterable[AutovacuumTable], seen_due: dict[int, float], now: float,
               limited: str | None = None) -> Autovacuum:
    """`seen_due`: relid -> when this session first saw the table due (kept by the collector)."""
    tables = tuple(tables)
    listed = {t.relid for t in tables}
    for relid in [k for k in seen_due if k not in listed]:
        del seen_due[relid]   # out of the list: nothing known any more
    nxt = tuple(AutovacuumNext(t, since(seen_due, t.relid, now, t.due is not None)) for t in tables)
    return Autovacuum(settings=settings, workers=tuple(workers), tables=nxt, limited=limited)


def dead_tables(bloat: object, av: Autovacuum | None, at: datetime) -> list[tuple[str, int, float | None]]:
    """(table, dead rows, seconds since its last vacuum) of the tables the Bloat pane shows, or
    failing that of autovacuum's list: where dead rows waiting on the horizon are counted."""
    rows = getattr(bloat, "tables", None)
    if rows is not None:
        out = []
        for t in rows:
            last = max(filter(None, (t.last_vacuum, t.last_autovacuum)), default=None)
            out.append((f"{t.schemaname}.{t.relname}", t.n_dead_tup,
                        (at - last).total_seconds() if last is not None else None))
        return out
    if av is None:
        return []
    return [(f"{n.table.schemaname}.{n.table.relname}", n.table.n_dead_tup, n.table.since_vacuum_s)
            for n in av.tables]


def dead_rows_waiting(horizon: Horizon | None, tables: list[tuple[str, int, float | None]]) -> dict[str, Any] | None:
    """While a holder keeps this database's horizon back: the dead rows of `tables` (dead_tables),
    and among them those in tables vacuumed since it began (vacuum ran and had to leave them)."""
    oldest = horizon.oldest if horizon is not None else None
    if oldest is None:
        return None
    dead = [t for t in tables if t[1]]
    left = None
    if oldest.held_s is not None:
        left = sum(n for _, n, since_vac in dead if since_vac is not None and since_vac < oldest.held_s)
    return {"dead_rows": sum(n for _, n, _ in dead), "dead_rows_left_by_vacuum": left,
            "tables_with_dead_rows": len(dead),
            "most_dead": [{"table": name, "dead_rows": n} for name, n, _ in sorted(dead, key=lambda t: -t[1])[:5]]}
