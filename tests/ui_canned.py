"""Canned Frames for the console's Pilot and SVG snapshot tests: fixed time, no server.

`frames()` returns a short series (so rates, deltas and sparklines have history);
the last one holds a three-session lock chain, an idle-in-transaction session,
pg_stat_statements figures and a bloated table.
"""

from __future__ import annotations

from datetime import timedelta

from factories import T0, backend, overview_row, statement_row

from pgconsole.source import BaseSource
from pgconsole import derive, locktree
from pgconsole.snapshots import (
    Bloat, DatabaseSize, Frame, IndexBloatRow, IndexIO, LockWait, TableBloatRow, TableIO, Unavailable,
)

OWN_PID = 4242


def _backends(i: int):
    return [
        backend(101, usename="app", datname="shop", application_name="web", state="idle in transaction",
                xact_age_s=95.0 + 2 * i, query_age_s=95.0 + 2 * i, state_age_s=90.0 + 2 * i,
                query="UPDATE orders SET status = 'paid' WHERE id = 42", query_id=11),
        backend(102, datname="shop", state="active", wait_event_type="Lock", wait_event="transactionid",
                xact_age_s=30.0 + 2 * i, query_age_s=30.0 + 2 * i, query="UPDATE orders SET total = 10 WHERE id = 42",
                query_id=12),
        backend(103, datname="shop", state="active", wait_event_type="Lock", wait_event="tuple",
                xact_age_s=12.0 + 2 * i, query_age_s=12.0 + 2 * i, query="DELETE FROM orders WHERE id = 42"),
        backend(104, usename="report", datname="analytics", application_name="metabase", state="active",
                xact_age_s=4.5, query_age_s=4.5, wait_event_type="IO", wait_event="DataFileRead",
                query="SELECT country, sum(total) FROM orders JOIN customers USING (customer_id) "
                      "GROUP BY country ORDER BY 2 DESC", query_id=13),
        backend(105, usename="app", state="idle", xact_age_s=None, query_age_s=300.0, state_age_s=299.0,
                query="SELECT 1"),
        backend(106, usename="batch", datname="shop", application_name="etl", state="active", xact_age_s=0.2,
                query_age_s=0.2, query="INSERT INTO events (kind) VALUES ('click')"),
        backend(OWN_PID, usename="postgres", datname="shop", application_name="pgconsole", state="active",
                xact_age_s=0.0, query_age_s=0.0, query="SELECT a.pid FROM pg_stat_activity a", is_self=True),
        backend(7, usename=None, datname=None, application_name="", client_addr=None, client_port=None,
                backend_type="checkpointer", state=None, xact_age_s=None, query_age_s=None, state_age_s=None,
                query=""),
    ]


def _tables(i: int):
    return [
        TableIO(1001, "public", "orders", 5000 + 400 * i, 90000 + 1000 * i, 200, 80000, 0, 0, 150_000_000),
        TableIO(1002, "public", "customers", 10, 50000, 5, 20000, 0, 0, 20_000_000),
        TableIO(1003, "audit", "events", 30000 + 900 * i, 30000 + 100 * i, 0, 0, 50, 950, 900_000_000),
    ]


def _indexes(i: int):
    return [IndexIO(2001, "public", "orders", "orders_pkey", 100 + 10 * i, 70000),
            IndexIO(2002, "audit", "events", "events_at_idx", 4000 + 300 * i, 9000)]


def _statements(i: int):
    return [
        statement_row(11, calls=1000 + 50 * i, total_exec_ms=90000.0 + 2000 * i, mean_exec_ms=90.0, rows=1000,
                      max_exec_ms=2500.0),
        statement_row(13, usename="report", datname="analytics", calls=40 + i, total_exec_ms=60000.0 + 1500 * i,
                      mean_exec_ms=1500.0, rows=400, shared_blks_read=90000, shared_blks_hit=10000,
                      io_read_ms=30000.0),
        statement_row(14, calls=500000 + 9000 * i, total_exec_ms=25000.0 + 400 * i, mean_exec_ms=0.05,
                      rows=500000),
    ]


TEXTS = {11: "UPDATE orders SET status = $1 WHERE id = $2",
         13: "SELECT country, sum(total) FROM orders JOIN customers USING (customer_id) GROUP BY country "
             "ORDER BY $1 DESC",
         14: "SELECT * FROM customers WHERE id = $1"}


def _bloat(t):
    return Bloat(
        tables=(
            TableBloatRow(1003, "audit", "events", 900_000_000, 420_000_000.0, 46.7, 2_000_000, 1_800_000,
                          900_000, None, t - timedelta(days=12), t - timedelta(days=3), None, 3 * 86400.0, None),
            TableBloatRow(1001, "public", "orders", 150_000_000, 12_000_000.0, 8.0, 900_000, 20_000, 30_000,
                          t - timedelta(hours=5), t - timedelta(minutes=40), None, t - timedelta(minutes=40),
                          2400.0, None),
            TableBloatRow(1002, "public", "customers", 20_000_000, None, None, 100_000, 0, 0, None, None, None,
                          None, None, "never analyzed"),
        ),
        indexes=(IndexBloatRow(2002, "audit", "events", "events_at_idx", 200_000_000, 90_000_000.0, 45.0, None),
                 IndexBloatRow(2001, "public", "orders", "orders_pkey", 30_000_000, 1_000_000.0, 3.3, None)),
        method="catalog estimate")


def frames(n: int = 12, statements_unavailable: bool = False) -> list[Frame]:
    out = []
    prev_ov = prev_stmts = None
    prev_t = prev_i = None
    dbs = (DatabaseSize("shop", 2_000_000_000, 6), DatabaseSize("analytics", 500_000_000, 1))
    for i in range(n):
        t = T0 + timedelta(seconds=2 * i)
        row = overview_row(t, xact_commit=1000 + 250 * i + (37 * i * i) % 90, blks_hit=9900 + 5000 * i,
                           blks_read=100 + 40 * i + (i % 3) * 30, connections_used=8, deadlocks=1)
        ov = derive.overview(row, prev_ov, dbs)
        prev_ov = row
        backends = _backends(i)
        conns = derive.connections(backends)
        waits = [LockWait(102, [101], "transactionid", "ShareLock", "orders", 30.0 + 2 * i),
                 LockWait(103, [102], "tuple", "ExclusiveLock", "orders", 12.0 + 2 * i)]
        locks = locktree.build(waits, conns.by_pid())
        tables, indexes = _tables(i), _indexes(i)
        cache = derive.cache(tables, indexes, prev_t, prev_i, 2.0 if prev_t is not None else None)
        prev_t, prev_i = {x.relid: x for x in tables}, {x.indexrelid: x for x in indexes}
        rows = _statements(i)
        stmts = derive.statements(rows, prev_stmts, TEXTS, 2.0 if prev_stmts else None, "public", "1.11")
        prev_stmts = {r.key: r for r in rows}
        if statements_unavailable:
            stmts = Unavailable("statements", "pg_stat_statements is not loaded nor installed in shop",
                                "add pg_stat_statements to shared_preload_libraries, restart, then "
                                "CREATE EXTENSION pg_stat_statements;")
        out.append(Frame(seq=i + 1, sampled_at=t, overview=ov, connections=conns, locks=locks, cache=cache,
                         statements=stmts, bloat=_bloat(t), own_pid=OWN_PID, poll_ms=12.0))
    return out


class CannedSource(BaseSource):
    """A data source replaying canned frames (the last one forever); no on-demand reads."""

    no_server = "canned frames: no server"

    def __init__(self, frames: list[Frame]):
        self.frames = list(frames)
        self.polls = 0
        self.idle_sessions: list[bool] = []   # what the console asked for, in order
        self.shown: list = []                 # the views it said were on screen, in order
        self.stale: frozenset[str] = frozenset()   # what show_views answers

    def include_idle_sessions(self, on: bool) -> None:
        self.idle_sessions.append(on)

    def show_views(self, views):
        self.shown.append(views)
        return self.stale

    async def poll(self, force=frozenset()):
        f = self.frames[min(self.polls, len(self.frames) - 1)]
        self.polls += 1
        return f

    async def close(self):
        pass


def fixed_clock():
    last = frames(1)[0].sampled_at
    return lambda: last + timedelta(seconds=23, milliseconds=500)
