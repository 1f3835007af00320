"""Big servers (issue 15): reads that pace themselves, timeouts that keep the last value,
the cache view from raw counters, and `report` on 10,000 tables and 20,000 indexes."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from pgconsole.capabilities import Capabilities, probe
from pgconsole.collectors.base import Collector
from pgconsole.collectors.cache_book import CacheBook
from pgconsole.collectors.cadence import Cadence
from pgconsole.monitor import Monitor
from pgconsole.report.build import build
from pgconsole.snapshots import IndexIO, TableIO, Unavailable, from_records

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import big_catalog  # noqa: E402
from findings_support import flush_stats  # noqa: E402


def test_cadence_spaces_an_expensive_read_out_and_backs_off_on_timeouts() -> None:
    c = Cadence(share=0.01)
    assert c.interval(5.0) == 5.0 and not c.slowed(5.0)          # never ran: its own interval
    c.record(0.02)                                               # 20 ms: 2 s at 1% -> its own 5 s
    assert c.interval(5.0) == 5.0 and not c.slowed(5.0)
    c.record(0.5)                                                # 500 ms: 50 s to stay within 1%
    assert c.interval(5.0) == pytest.approx(50.0) and c.slowed(5.0) and c.reason() == "slow query"
    c.record_timeout(5.0)
    c.record_timeout(5.0)                                        # two timeouts in a row: x4
    assert c.interval(5.0) == 600.0 and c.reason() == "timed out"   # capped
    c.record(0.01)
    assert c.interval(5.0) == 5.0 and c.timeouts == 0


class Flaky(Collector):
    """Answers once, then times out (as the bloat view does under a long lock or a slow catalog)."""

    name = "bloat"

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: dict[str, Any]) -> Any:
        self.calls += 1
        if self.calls == 1:
            return "first value"
        await conn.execute("SET LOCAL statement_timeout = 1; SELECT pg_sleep(0.05)")
        raise AssertionError("the statement should have timed out")


async def test_a_timeout_keeps_the_last_value_marked_stale_never_unavailable(fresh_db) -> None:
    flaky = Flaky()
    mon = Monitor(fresh_db, collectors=[flaky])
    try:
        assert (await mon.poll()).bloat == "first value"
        for _ in range(3):
            frame = await mon.poll(force=frozenset({"bloat"}))
            assert frame.bloat == "first value" and flaky.unavailable is None
            assert any("statement_timeout" in e and "asked again in" in e for e in frame.errors)
        mark = frame.stale["bloat"]
        assert mark.reason == "timed out" and mark.next_in_s > 0
        assert mark.line().startswith("stale since ") and "timed out, next in" in mark.line()
        calls = flaky.calls
        assert not (await mon.poll()).errors and flaky.calls == calls   # backed off: not asked each poll
    finally:
        await mon.close()


async def test_a_timeout_before_any_value_says_so_and_retries(fresh_db) -> None:
    flaky = Flaky()
    flaky.calls = 1                     # times out from the start
    mon = Monitor(fresh_db, collectors=[flaky])
    try:
        view = (await mon.poll()).bloat
        assert isinstance(view, Unavailable) and "asked again in" in view.reason
        assert "--statement-timeout" in view.hint and flaky.unavailable is None   # not for good
    finally:
        await mon.close()


async def test_cache_book_matches_the_statio_views(fresh_db) -> None:
    """The counters summed per table in Python equal pg_statio_user_tables/indexes, TOAST included."""
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    try:
        await conn.execute("""
            CREATE TABLE book_a (id int PRIMARY KEY, body text);
            ALTER TABLE book_a ALTER body SET STORAGE EXTERNAL;
            INSERT INTO book_a SELECT g, repeat('x', 3000) FROM generate_series(1, 20) g;
            CREATE TABLE book_b (id int PRIMARY KEY, v int);
            CREATE INDEX book_b_v ON book_b (v);
            INSERT INTO book_b SELECT g, g FROM generate_series(1, 500) g;
            CREATE TABLE book_never (id int);""")
        await conn.fetch("SELECT length(body) FROM book_a WHERE id = 3")
        await conn.fetch("SELECT * FROM book_b WHERE v = 7")
        await flush_stats(conn)
        caps = await probe(conn)
        async with conn.transaction():   # one statistics snapshot for both (autovacuum reads too)
            if caps.version_num >= 150000:
                await conn.execute("SET LOCAL stats_fetch_consistency = snapshot")
            tables, indexes = await CacheBook().read(conn, caps)
            want_t = from_records(TableIO, await conn.fetch(caps.sql("cache_tables")))
            want_i = from_records(IndexIO, await conn.fetch(caps.sql("cache_indexes")))
        assert sorted(tables, key=lambda t: t.relid) == sorted(want_t, key=lambda t: t.relid)
        assert sorted(indexes, key=lambda i: i.indexrelid) == sorted(want_i, key=lambda i: i.indexrelid)
        names = {t.relname for t in tables}
        assert {"book_a", "book_b"} <= names and "book_never" not in names
        assert next(t for t in tables if t.relname == "book_a").toast_blks_hit + \
            next(t for t in tables if t.relname == "book_a").toast_blks_read > 0
    finally:
        await conn.close()


@pytest.mark.pg18_only
async def test_report_on_ten_thousand_tables_is_complete(pg_params, request) -> None:
    """10,000 tables and 20,000 indexes (one DO block, unlogged, one transaction): `report`
    at the default timeouts runs every section and check, and counts every table."""
    name = "t_big_catalog"
    admin = await asyncpg.connect(**pg_params.asyncpg_kwargs())
    await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {name}")
    params = pg_params.with_database(name)
    try:
        started = time.perf_counter()
        conn = await asyncpg.connect(**params.asyncpg_kwargs())
        try:
            await big_catalog.build(conn, 10_000, rows_in=5)
        finally:
            await conn.close()
        built = time.perf_counter() - started
        report = await build(params, interval=0.5)
        took = time.perf_counter() - started - built
        request.node.user_properties.append(("build_s", round(built, 1)))
        request.node.user_properties.append(("report_s", round(took, 1)))
        by_id = {s.id: s for s in report.sections}
        assert not [(s.id, s.unavailable) for s in report.sections if s.unavailable]
        assert all(c.ran for c in report.findings.checks), [c for c in report.findings.checks if not c.ran]
        facts = {f.key: f.value for f in by_id["capacity"].facts}
        assert facts["tables"] == 10_000
        idx = {f.key: f.value for f in by_id["indexes"].facts}
        assert idx["indexes"] == 20_000
        dup = next(t for t in by_id["indexes"].tables if t.key == "duplicates")
        assert (dup.total if dup.total is not None else len(dup.rows)) >= 15
        assert took < 30, took
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
