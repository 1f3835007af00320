"""Pure derivations from two samples: rates, ratios, deltas. No I/O, no server.

Counters can go backwards (pg_stat_reset, a crash, pg_stat_statements eviction);
every delta here treats a negative difference as "reset happened" and returns None
rather than a nonsense negative rate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Iterable, TypeVar

from .snapshots import (
    Backend, Cache, Connections, DatabaseSize, IndexCache, IndexIO, Overview, OverviewRow,
    StateCount, Statement, StatementKey, StatementRow, Statements, TableCache, TableIO,
)

N = TypeVar("N", int, float)


def delta(cur: N | None, prev: N | None) -> N | None:
    if cur is None or prev is None:
        return None
    d = cur - prev
    return None if d < 0 else d


def rate(cur: float | int | None, prev: float | int | None, seconds: float | None) -> float | None:
    d = delta(cur, prev)
    if d is None or not seconds or seconds <= 0:
        return None
    return d / seconds


def ratio(hit: float | int | None, read: float | int | None) -> float | None:
    """Share of block requests served from shared buffers; None when nothing was asked."""
    if hit is None or read is None:
        return None
    total = hit + read
    return None if total <= 0 else hit / total


def interval_ratio(cur_hit: float | None, cur_read: float | None, prev_hit: float | None,
                   prev_read: float | None) -> float | None:
    dh, dr = delta(cur_hit, prev_hit), delta(cur_read, prev_read)
    if dh is None or dr is None:
        return None
    return ratio(dh, dr)


def _reset_between(cur: OverviewRow, prev: OverviewRow) -> bool:
    return (cur.stats_reset_epoch != prev.stats_reset_epoch) or cur.started_at != prev.started_at


def overview(cur: OverviewRow, prev: OverviewRow | None, databases: tuple[DatabaseSize, ...]) -> Overview:
    secs = (cur.sampled_at - prev.sampled_at).total_seconds() if prev else None
    if prev is not None and _reset_between(cur, prev):
        prev, secs = None, None
    p = prev
    xacts = cur.xact_commit + cur.xact_rollback
    return Overview(
        row=cur,
        databases=databases,
        interval_s=secs,
        tps=rate(xacts, (p.xact_commit + p.xact_rollback) if p else None, secs),
        rows_read_per_s=rate(cur.tup_returned + cur.tup_fetched,
                             (p.tup_returned + p.tup_fetched) if p else None, secs),
        rows_written_per_s=rate(cur.tup_inserted + cur.tup_updated + cur.tup_deleted,
                                (p.tup_inserted + p.tup_updated + p.tup_deleted) if p else None, secs),
        temp_bytes_per_s=rate(cur.temp_bytes, p.temp_bytes if p else None, secs),
        deadlocks_delta=delta(cur.deadlocks, p.deadlocks if p else None),
        hit_ratio=ratio(cur.blks_hit, cur.blks_read),
        hit_ratio_interval=interval_ratio(cur.blks_hit, cur.blks_read,
                                          p.blks_hit if p else None, p.blks_read if p else None),
    )


def connections(backends: Iterable[Backend], limited: str | None = None,
                counts: Iterable[StateCount] | None = None) -> Connections:
    """`counts`: the server's own count by state, given when `backends` leaves idle sessions out."""
    rows = tuple(backends)
    if counts is None:
        # another role's session shows neither type nor state without pg_read_all_stats:
        # one with a database and a user is a client whose state is hidden
        by_state = dict(Counter((b.state or "hidden") for b in rows if b.is_client))
    else:
        by_state = {c.state: c.sessions for c in counts}
    iit = sorted(((b.pid, b.state_age_s or 0.0) for b in rows if b.idle_in_transaction),
                 key=lambda t: -t[1])
    return Connections(backends=rows, counts_by_state=by_state, idle_in_transaction=tuple(iit),
                       limited=limited, all_sessions=counts is None)


def cache(tables: Iterable[TableIO], indexes: Iterable[IndexIO],
          prev_tables: dict[int, TableIO] | None, prev_indexes: dict[int, IndexIO] | None,
          seconds: float | None) -> Cache:
    tables = tuple(tables)
    indexes = tuple(indexes)
    pt, pi = prev_tables or {}, prev_indexes or {}
    tcs = []
    sums: Counter[str] = Counter()
    psums: Counter[str] = Counter()
    have_prev = prev_tables is not None
    for t in tables:
        p = pt.get(t.relid)
        sums.update(hh=t.heap_blks_hit, hr=t.heap_blks_read, ih=t.idx_blks_hit, ir=t.idx_blks_read)
        if p:
            psums.update(hh=p.heap_blks_hit, hr=p.heap_blks_read, ih=p.idx_blks_hit, ir=p.idx_blks_read)
        reads = t.heap_blks_read + t.idx_blks_read + t.toast_blks_read
        hits = t.heap_blks_hit + t.idx_blks_hit + t.toast_blks_hit
        preads = (p.heap_blks_read + p.idx_blks_read + p.toast_blks_read) if p else (0 if have_prev else None)
        phits = (p.heap_blks_hit + p.idx_blks_hit + p.toast_blks_hit) if p else (0 if have_prev else None)
        tcs.append(TableCache(
            io=t,
            heap_ratio=ratio(t.heap_blks_hit, t.heap_blks_read),
            idx_ratio=ratio(t.idx_blks_hit, t.idx_blks_read),
            toast_ratio=ratio(t.toast_blks_hit, t.toast_blks_read),
            heap_ratio_interval=interval_ratio(t.heap_blks_hit, t.heap_blks_read,
                                               p.heap_blks_hit if p else (0 if have_prev else None),
                                               p.heap_blks_read if p else (0 if have_prev else None)),
            blks_read_per_s=rate(reads, preads, seconds),
            blks_hit_per_s=rate(hits, phits, seconds),
        ))
    ics = []
    for i in indexes:
        pidx = pi.get(i.indexrelid)
        ph = pidx.idx_blks_hit if pidx else (0 if prev_indexes is not None else None)
        pr = pidx.idx_blks_read if pidx else (0 if prev_indexes is not None else None)
        ics.append(IndexCache(io=i, ratio=ratio(i.idx_blks_hit, i.idx_blks_read),
                              ratio_interval=interval_ratio(i.idx_blks_hit, i.idx_blks_read, ph, pr),
                              blks_read_per_s=rate(i.idx_blks_read, pr, seconds)))
    # worst first: lowest ratio among tables that actually read from disk, then by volume read
    tcs.sort(key=lambda c: (c.heap_ratio if c.heap_ratio is not None else 2.0, -c.io.heap_blks_read))
    ics.sort(key=lambda c: (c.ratio if c.ratio is not None else 2.0, -c.io.idx_blks_read))
    hp = have_prev
    return Cache(
        heap_ratio=ratio(sums["hh"], sums["hr"]),
        idx_ratio=ratio(sums["ih"], sums["ir"]),
        heap_ratio_interval=interval_ratio(sums["hh"], sums["hr"], psums["hh"] if hp else None,
                                           psums["hr"] if hp else None),
        idx_ratio_interval=interval_ratio(sums["ih"], sums["ir"], psums["ih"] if hp else None,
                                          psums["ir"] if hp else None),
        blks_read_per_s=rate(sums["hr"] + sums["ir"], (psums["hr"] + psums["ir"]) if hp else None, seconds),
        blks_hit_per_s=rate(sums["hh"] + sums["ih"], (psums["hh"] + psums["ih"]) if hp else None, seconds),
        tables=tuple(tcs),
        indexes=tuple(ics),
    )


def statements(rows: Iterable[StatementRow], prev: dict[StatementKey, StatementRow] | None,
               texts: dict[int, str], seconds: float | None, ext_schema: str, ext_version: str,
               reset: bool = False, limited: str | None = None) -> Statements:
    """Cumulative and last-interval figures per statement.

    `reset` says pg_stat_statements was reset between the samples: every entry then
    counts from zero. A key absent from the previous sample is new (or was evicted
    and came back): its whole count is taken as this interval's. Entries whose queryid
    this role may not see (other roles', without pg_read_all_stats) cannot be matched
    to their previous sample: they are folded into one row per role and database, with
    no interval figures (never another statement's).
    """
    out = []
    total = 0.0
    first = prev is None
    hidden: dict[tuple[int, int, bool], list[StatementRow]] = {}
    for r in rows:
        total += r.total_exec_ms
        if r.queryid is None:
            hidden.setdefault((r.userid, r.dbid, r.toplevel), []).append(r)
            continue
        p = None if (prev is None or reset) else prev.get(r.key)   # prev is None: first
        d: tuple[int | None, float | None, int | None, float | None, int | None]
        if first:
            d = (None,) * 5
        elif p is None or r.calls < p.calls:
            d = (r.calls, r.total_exec_ms, r.rows, r.io_read_ms + r.io_write_ms,
                 r.temp_blks_read + r.temp_blks_written)
        else:
            d = (r.calls - p.calls, max(r.total_exec_ms - p.total_exec_ms, 0.0), max(r.rows - p.rows, 0),
                 max((r.io_read_ms + r.io_write_ms) - (p.io_read_ms + p.io_write_ms), 0.0),
                 max((r.temp_blks_read + r.temp_blks_written) - (p.temp_blks_read + p.temp_blks_written), 0))
        out.append(Statement(row=r, query=texts.get(r.queryid),
                             hit_ratio=ratio(r.shared_blks_hit, r.shared_blks_read),
                             d_calls=d[0], d_total_ms=d[1], d_rows=d[2], d_io_ms=d[3], d_temp_blks=d[4]))
    for group in hidden.values():
        r = _fold(group)
        out.append(Statement(row=r, query=None, hit_ratio=ratio(r.shared_blks_hit, r.shared_blks_read),
                             d_calls=None, d_total_ms=None, d_rows=None, d_io_ms=None, d_temp_blks=None,
                             hidden_entries=len(group)))
    out.sort(key=lambda s: -s.row.total_exec_ms)
    return Statements(statements=tuple(out), total_exec_ms=total, interval_s=None if first else seconds,
                      ext_schema=ext_schema, ext_version=ext_version, limited=limited)


_SUMMED = ("calls", "total_exec_ms", "total_plan_ms", "rows", "shared_blks_hit", "shared_blks_read",
           "shared_blks_dirtied", "shared_blks_written", "temp_blks_read", "temp_blks_written",
           "io_read_ms", "io_write_ms")


def _fold(rows: list[StatementRow]) -> StatementRow:
    """Hidden entries of one role and database as one row: sums, the overall mean and max."""
    if len(rows) == 1:
        return rows[0]
    sums = {f: sum(getattr(r, f) for r in rows) for f in _SUMMED}
    return replace(rows[0], **sums, mean_exec_ms=sums["total_exec_ms"] / sums["calls"] if sums["calls"] else 0.0,
                   max_exec_ms=max(r.max_exec_ms for r in rows), stddev_exec_ms=0.0)


def with_texts(snap: Statements, texts: dict[int, str]) -> Statements:
    return replace(snap, statements=tuple(
        replace(s, query=texts.get(s.row.queryid)) if s.query is None and s.row.queryid in texts else s
        for s in snap.statements))


TOP_BY = {
    "total": lambda s: s.row.total_exec_ms,
    "mean": lambda s: s.row.mean_exec_ms,
    "calls": lambda s: s.row.calls,
    "rows": lambda s: s.row.rows,
    "io": lambda s: s.row.io_read_ms + s.row.io_write_ms,
    "temp": lambda s: s.row.temp_blks_read + s.row.temp_blks_written,
}
TOP_BY_INTERVAL = {
    "total": lambda s: s.d_total_ms or 0.0,
    "mean": lambda s: s.d_mean_ms or 0.0,
    "calls": lambda s: s.d_calls or 0,
    "rows": lambda s: s.d_rows or 0,
    "io": lambda s: s.d_io_ms or 0.0,
    "temp": lambda s: s.d_temp_blks or 0,
}


def top_statements(snap: Statements, by: str = "total", interval: bool = False, n: int = 50,
                   own: bool = True) -> list[Statement]:
    """The top `n` by a figure; `own` False leaves pgconsole's own statements out."""
    key = (TOP_BY_INTERVAL if interval else TOP_BY)[by]
    rows = [s for s in snap.statements if (not interval or (s.d_calls or 0) > 0) and (own or not s.own)]
    return sorted(rows, key=key, reverse=True)[:n]
