"""Pure derivations: rates, ratios and deltas from two samples, guarded against resets."""

from datetime import timedelta

import pytest

from pgconsole import derive
from pgconsole.snapshots import IndexIO, TableIO

from factories import T0, backend, overview_row, statement_row


def test_rate_and_delta_guard_resets():
    assert derive.rate(150, 100, 10) == 5.0
    assert derive.rate(50, 100, 10) is None        # counter went backwards: reset
    assert derive.rate(150, None, 10) is None      # first sample
    assert derive.rate(150, 100, 0) is None
    assert derive.delta(7, 7) == 0


def test_ratio():
    assert derive.ratio(99, 1) == pytest.approx(0.99)
    assert derive.ratio(0, 0) is None
    assert derive.interval_ratio(200, 20, 100, 10) == pytest.approx(100 / 110)


def test_overview_rates():
    prev = overview_row()
    cur = overview_row(T0 + timedelta(seconds=2), xact_commit=1100, xact_rollback=20, tup_returned=51000,
                       tup_fetched=21000, tup_inserted=400, blks_hit=10900, blks_read=200, deadlocks=2)
    ov = derive.overview(cur, prev, ())
    assert ov.interval_s == 2
    assert ov.tps == pytest.approx(55.0)
    assert ov.rows_read_per_s == pytest.approx(1000.0)
    assert ov.rows_written_per_s == pytest.approx(50.0)
    assert ov.deadlocks_delta == 2
    assert ov.hit_ratio_interval == pytest.approx(1000 / 1100)
    assert ov.uptime_s == pytest.approx(3 * 86400 + 2)


def test_overview_first_sample_and_stats_reset():
    first = derive.overview(overview_row(), None, ())
    assert first.tps is None and first.hit_ratio == pytest.approx(0.99)
    prev = overview_row()
    reset = overview_row(T0 + timedelta(seconds=2), xact_commit=5, stats_reset_epoch=1234.0)
    ov = derive.overview(reset, prev, ())
    assert ov.tps is None and ov.interval_s is None


def test_connection_use_counts_reserved_slots():
    ov = derive.overview(overview_row(connections_used=97, max_connections=100, reserved_connections=3), None, ())
    assert ov.connection_use == pytest.approx(1.0)


def test_connections_counts_and_idle_in_transaction():
    rows = [backend(1, state="active"), backend(2, state="idle"),
            backend(3, state="idle in transaction", state_age_s=30.0),
            backend(4, state="idle in transaction (aborted)", state_age_s=90.0),
            backend(5, backend_type="autovacuum worker", state=None)]
    c = derive.connections(rows)
    assert c.counts_by_state == {"active": 1, "idle": 1, "idle in transaction": 1,
                                 "idle in transaction (aborted)": 1}
    assert c.idle_in_transaction == ((4, 90.0), (3, 30.0))


def _tio(relid, hh, hr, ih=0, ir=0):
    return TableIO(relid, "public", f"t{relid}", hr, hh, ir, ih, 0, 0, 8192)


def test_cache_worst_first_and_interval():
    prev = {1: _tio(1, 100, 0), 2: _tio(2, 100, 100)}
    cur = [_tio(1, 200, 0), _tio(2, 110, 190), _tio(3, 0, 50)]  # 3 is new since the last sample
    c = derive.cache(cur, [], prev, {}, 10.0)
    assert [t.io.relid for t in c.tables] == [3, 2, 1]
    t2 = next(t for t in c.tables if t.io.relid == 2)
    assert t2.heap_ratio_interval == pytest.approx(10 / 100)
    assert t2.blks_read_per_s == pytest.approx(9.0)
    assert c.heap_ratio == pytest.approx(310 / 550)
    assert c.heap_ratio_interval == pytest.approx((110 - 0) / (110 + 90 + 50))


def test_cache_first_sample_has_no_interval_figures():
    c = derive.cache([_tio(1, 10, 10)], [IndexIO(9, "public", "t1", "i", 1, 3)], None, None, None)
    assert c.heap_ratio_interval is None and c.blks_read_per_s is None
    assert c.indexes[0].ratio == pytest.approx(0.75) and c.indexes[0].ratio_interval is None


def test_statement_deltas_new_reset_and_eviction():
    a0, b0 = statement_row(1, calls=10, total_exec_ms=100.0), statement_row(2, calls=5, total_exec_ms=50.0)
    first = derive.statements([a0, b0], None, {}, None, "public", "1.11")
    assert first.interval_s is None and all(s.d_calls is None for s in first.statements)

    a1 = statement_row(1, calls=30, total_exec_ms=400.0, rows=160)
    c1 = statement_row(3, calls=4, total_exec_ms=8.0)
    snap = derive.statements([a1, c1], {a0.key: a0, b0.key: b0}, {1: "SELECT 1"}, 2.0, "public", "1.11")
    by_id = {s.row.queryid: s for s in snap.statements}
    assert by_id[1].d_calls == 20 and by_id[1].d_total_ms == pytest.approx(300.0)
    assert by_id[1].d_mean_ms == pytest.approx(15.0) and by_id[1].query == "SELECT 1"
    assert by_id[3].d_calls == 4          # new entry: all of it happened in this interval
    reset = derive.statements([statement_row(1, calls=3)], {a1.key: a1}, {}, 2.0, "public", "1.11", reset=True)
    assert reset.statements[0].d_calls == 3


def test_top_statements_interval_excludes_idle_entries():
    a0, b0 = statement_row(1, calls=10), statement_row(2, calls=10, total_exec_ms=9000.0)
    a1, b1 = statement_row(1, calls=20, total_exec_ms=2000.0), statement_row(2, calls=10, total_exec_ms=9000.0)
    snap = derive.statements([a1, b1], {a0.key: a0, b0.key: b0}, {}, 1.0, "s", "1.11")
    assert [s.row.queryid for s in derive.top_statements(snap, "total")] == [2, 1]
    assert [s.row.queryid for s in derive.top_statements(snap, "total", interval=True)] == [1]
