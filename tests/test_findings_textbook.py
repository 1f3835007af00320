"""The four textbook cases a DBA names in the first hour, planted on the real server in
forms the other findings tests do not use, each with a healthy twin that stays silent.

- N+1 as ORMs make it: a page of orders, then their items one order at a time (five rows
  each), thousands of prepared calls in a burst between the two samples.
- A big table read in full a couple of dozen times: far below the scan-count bar, but
  millions of rows read.
- A statement running long while it waits on an advisory lock.
- A sizeable index never scanned while its statistics are minutes old: an info with its
  window and its confidence, not silence and not a warning.

N+1 and the sequential scans are judged with the default thresholds; the long statement
and the young index with a lowered age and size (a test cannot wait a minute or fill
10 MB), the twin with the same ones.
"""

from __future__ import annotations

import asyncio

import pytest

from findings_support import connect, database, evaluate, flush_stats, objects, run, run_remedies, status, wait_for
from pgconsole.findings.model import Thresholds

TH = Thresholds().with_overrides({"long_query_s": 0.5, "unused_index_min_bytes": 256 * 1024,
                                  "unused_index_min_table_scans": 20})
CHECKS = ("n_plus_one", "seq_scan_heavy", "long_running_query", "unused_index")
PAGES, PER_PAGE = 30, 100          # 3,000 item lookups, 100 times the page query
FULL_READS = 24                    # 24 x 250,000 rows = 6 million rows read by sequential scans

SCHEMA = """
CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL);
INSERT INTO orders SELECT g, g % 500 FROM generate_series(1, 3000) g;
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL, product int, qty int);
INSERT INTO order_items SELECT g, 1 + (g - 1) / 5, g % 97, 1 + g % 3 FROM generate_series(1, 15000) g;
CREATE INDEX order_items_order_idx ON order_items (order_id);
-- 250,000 narrow rows: a big table for a small test
CREATE TABLE readings AS SELECT g AS id, g % 1000 AS sensor FROM generate_series(1, 250000) g;
CREATE TABLE notes (id int PRIMARY KEY, body text);
INSERT INTO notes SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
CREATE INDEX notes_body_idx ON notes (body);
"""
TWIN_EXTRA = "CREATE INDEX readings_sensor_idx ON readings (sensor);"


async def _reads(conn, twin: bool) -> None:
    """The table reads: the same statements on both sides, the twin has the index they need."""
    await conn.execute("ANALYZE")
    for i in range(FULL_READS):
        await conn.fetchval("SELECT count(*) FROM readings WHERE sensor = $1", i)
    for i in range(30):
        if twin:   # its index in use: read by it
            await conn.fetchval("SELECT id FROM notes WHERE body = $1", f"x{i}")
        await conn.fetchval("SELECT body FROM notes WHERE id = $1", i + 1)
    await flush_stats(conn)
    await wait_for(conn, "SELECT seq_scan + coalesce(idx_scan, 0) >= $1 FROM pg_stat_user_tables WHERE relname = 'readings'",
                   FULL_READS)


async def _orm_burst(conn) -> None:
    """A page of orders, then each order's items by its key: the N+1 an ORM makes."""
    page = await conn.prepare("SELECT id FROM orders ORDER BY id LIMIT 100 OFFSET $1")
    items = await conn.prepare("SELECT product, qty FROM order_items WHERE order_id = $1")
    for p in range(PAGES):   # the lookups pipelined: each is still one call of the prepared statement
        await items.executemany([(r["id"],) for r in await page.fetch(p * PER_PAGE)])


async def _hot_lookup(conn) -> None:
    """A legitimately hot one-row lookup: each request reads a customer's order and updates
    it, so the lookup runs twice as often as the update, not a hundred times."""
    lookup = await conn.prepare("SELECT customer FROM orders WHERE id = $1")
    touch = await conn.prepare("UPDATE orders SET customer = customer WHERE id = $1")
    for chunk in range(0, 1500, 100):
        await lookup.executemany([(1 + i % 3000,) for i in range(chunk, chunk + 100)] * 2)
        await touch.executemany([(1 + i % 3000,) for i in range(chunk, chunk + 100)])


async def _planted(params):
    conn = await connect(params)
    holder = await connect(params, application_name="holder")
    waiter = await connect(params, application_name="waiter")
    task = None
    try:
        await conn.execute(SCHEMA)
        await _reads(conn, twin=False)
        await holder.execute("SELECT pg_advisory_lock(4242)")
        task = asyncio.create_task(waiter.execute("SELECT pg_advisory_lock(4242)"))
        await wait_for(conn, "SELECT clock_timestamp() - query_start > interval '0.7 s' FROM pg_stat_activity "
                             "WHERE application_name = 'waiter' AND wait_event_type = 'Lock'")
        result = await evaluate(params, TH, between=lambda: _orm_burst(conn))
        items = await conn.fetchval("SELECT queryid FROM pg_stat_statements WHERE query LIKE "
                                    "'SELECT product, qty FROM order_items%' AND dbid = (SELECT oid FROM pg_database "
                                    "WHERE datname = current_database())")
        expected = {"n_plus_one": f"query {items}", "seq_scan_heavy": "public.readings",
                    "long_running_query": f"pid {waiter.get_server_pid()}", "unused_index": "public.notes_body_idx"}
        return result, expected
    finally:
        await holder.execute("SELECT pg_advisory_unlock_all()")
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        for c in (conn, holder, waiter):
            await c.close()


async def _twin(params):
    conn = await connect(params)
    sleeper = await connect(params, application_name="short")
    task = None

    async def between():
        nonlocal task
        await _hot_lookup(conn)
        # a statement running when sampled, but for less than the threshold
        task = asyncio.create_task(sleeper.execute("SELECT pg_sleep(10)"))
        await wait_for(conn, "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'short' "
                             "AND state = 'active'", step=0.01)

    try:
        await conn.execute(SCHEMA + TWIN_EXTRA)
        await _reads(conn, twin=True)
        return await evaluate(params, TH, between=between)
    finally:
        if task is not None:
            await conn.execute("SELECT pg_cancel_backend($1)", sleeper.get_server_pid())
            await asyncio.gather(task, return_exceptions=True)
        await conn.close()
        await sleeper.close()


@pytest.fixture(scope="module")
def planted(pg_params):
    with database(pg_params, "textbook") as params:
        result, expected = run(_planted(params))
        yield params, result, expected


@pytest.fixture(scope="module")
def twin(pg_params, planted):   # after the planted sessions are gone: long_running_query is server-wide
    with database(pg_params, "textbook_twin") as params:
        yield run(_twin(params))


def _one(result, check: str, obj: str):
    found = [f for f in result.findings if f.check == check and f.object == obj]
    assert len(found) == 1, [f for f in result.findings if f.check == check]
    return found[0]


@pytest.mark.parametrize("check", CHECKS)
def test_textbook_case_is_found_on_the_right_object_with_its_window(planted, check):
    _, result, expected = planted
    assert status(result, check).ran, status(result, check)
    f = _one(result, check, expected[check])
    assert f.severity == {"unused_index": "info"}.get(check, "warning")
    assert f.evidence.get("window"), f.evidence
    if check != "long_running_query":
        assert f.evidence.get("assumed"), f.evidence


def test_each_finding_states_what_it_measured(planted):
    _, result, expected = planted
    n1 = _one(result, "n_plus_one", expected["n_plus_one"])
    # judged over the burst itself, a few rows a call, a hundred times its page query
    assert "between two samples" in n1.evidence["window"]
    assert n1.evidence["calls"] == PAGES * PER_PAGE and n1.evidence["rows_per_call"] == 5
    assert n1.evidence["busiest_sibling_calls"] == PAGES and n1.evidence["calls_ratio"] == PER_PAGE
    assert n1.evidence["calls_per_s"] > 100
    seq = _one(result, "seq_scan_heavy", "public.readings")
    assert seq.evidence["seq_tup_read"] >= FULL_READS * 250000 and seq.evidence["idx_scan"] == 0
    assert seq.evidence["seq_scan"] < Thresholds().seq_scan_min_count           # not by the count of scans
    assert seq.evidence["full_table_reads"] >= FULL_READS and "since" in seq.evidence["window"]
    long = _one(result, "long_running_query", expected["long_running_query"])
    assert long.evidence["wait"] == "Lock:advisory" and long.evidence["running_s"] >= 0.7
    assert "running since" in long.evidence["window"]
    idx = _one(result, "unused_index", "public.notes_body_idx")
    assert idx.evidence["confidence"].startswith("low") and idx.evidence["table_scans"] >= 20
    assert "not conclusive" in idx.message and idx.remedy.startswith("SELECT idx_scan")
    assert "DROP INDEX CONCURRENTLY" in idx.remedy     # what to do once it is conclusive, in the note


@pytest.mark.parametrize("check", CHECKS)
def test_healthy_twin_stays_silent(twin, check):
    assert status(twin, check).ran, status(twin, check)
    assert objects(twin, check) == set(), [f for f in twin.findings if f.check == check]


def test_the_textbook_remedies_run(planted):
    params, result, _ = planted
    found = [f for f in result.findings if f.check in CHECKS]
    checked = run(run_remedies(params, found))
    assert any(s.startswith("SELECT query, calls, rows FROM") for s in checked)   # the seq scan's statements
    assert any("::regclass" in s for s in checked)                                  # the young index's look-again
