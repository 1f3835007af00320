"""The central store on a real PostgreSQL: two recorders into one store, reading each by name,
retention by dropping days, refusals. The TimescaleDB layout is checked against stubs of its
documented functions (the extension is not installed here).

The two monitored "servers" are two databases of the test cluster: the store keys everything
by the recorder's server name and never looks at what a recorder monitors, so two recorders
with two names exercise exactly the paths two clusters would, without a second initdb.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from findings_support import connect, database, run
from history_support import differences
from ui_canned import frames as canned_frames

from pgconsole import sqlfiles
from pgconsole.history.codec import TypeTable, to_us
from pgconsole.history.compress import Packer
from pgconsole.history.pg_store import PgSink
from pgconsole.history.reader import Recording
from pgconsole.history.store import HistoryError
from pgconsole.history.stream import RecordWriter

PY = [sys.executable, "-m", "pgconsole"]


def uri(params) -> str:
    return params.uri()


@pytest.fixture(scope="module")
def store(pg_params):
    with database(pg_params, "store") as params:
        yield params


@pytest.fixture(scope="module")
def two_recorded(pg_params, store):
    with database(pg_params, "alpha") as a, database(pg_params, "beta") as b:
        procs = [subprocess.Popen([*PY, "record", p.uri(), "--to", uri(store), "--name", name, "--refresh", "0.5",
                                   "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for p, name in ((a, "alpha"), (b, "beta"))]

        async def count(name):
            c = await connect(store)
            try:
                return await c.fetchval("SELECT count(*) FROM pgconsole_history.records r JOIN "
                                        "pgconsole_history.servers s ON s.id = r.server_id WHERE s.name = $1", name)
            except Exception:   # noqa: BLE001 - not installed yet
                return 0
            finally:
                await c.close()
        deadline = time.monotonic() + 60
        while min(run(count("alpha")), run(count("beta"))) < 6 and time.monotonic() < deadline:
            time.sleep(0.3)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        results = [(p.wait(30), p.stderr.read()) for p in procs]
        yield {"a": a, "b": b, "results": results}


def test_two_recorders_write_one_store_and_each_reads_back_by_name(two_recorded, store):
    assert [rc for rc, _ in two_recorded["results"]] == [0, 0], two_recorded["results"]

    async def go(name):
        rec = await Recording.open(uri(store), name)
        try:
            ms = [m async for m in rec.moments()]
            mid = await rec.at(ms[len(ms) // 2].at)
            return rec.server, ms, mid
        finally:
            await rec.close()
    for name, params in (("alpha", two_recorded["a"]), ("beta", two_recorded["b"])):
        server, ms, mid = run(go(name))
        assert server.name == name and len(ms) >= 6 and server.records == len(ms)
        assert {m.caps.current_database for m in ms} == {params.database}
        assert differences(mid.frame, ms[len(ms) // 2].frame) == []
    r = subprocess.run([*PY, "snapshot", "--from", uri(store), "--json"], capture_output=True, text=True)
    assert r.returncode == 2 and "pick one with --server" in r.stderr and "alpha, beta" in r.stderr
    r = subprocess.run([*PY, "report", "--from", uri(store), "--server", "beta", "--format", "md"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "PostgreSQL activity report: beta" in r.stdout, r.stderr
    with pytest.raises(HistoryError, match="no server 'gamma'"):
        run(Recording.open(uri(store), "gamma"))



def test_replay_opens_each_server_of_the_store_by_name(two_recorded, store):
    """`pgconsole replay --from URI --server NAME`'s data source: that server's moments and
    timeline, seeked in the middle; read_markers (the console's thread) on the store too."""
    from pgconsole.history.replay import RecordedSource, read_markers

    async def go(name):
        src = await RecordedSource.open(uri(store), name)
        try:
            line = await src.timeline()
            mid = line[len(line) // 2][0]
            moment = await src.seek(mid)
            return src.recording.server, line, moment, src.capabilities
        finally:
            await src.close()
    for name, params in (("alpha", two_recorded["a"]), ("beta", two_recorded["b"])):
        server, line, moment, caps = run(go(name))
        assert server.name == name and len(line) == server.records >= 6
        assert moment.at <= line[len(line) // 2][0] and caps is not None
        assert caps.current_database == params.database
        assert isinstance(read_markers(uri(store), name), list)


async def _write(sink: PgSink, frames, times) -> None:
    types = TypeTable()
    for tid, name, fields in await sink.known_types():
        types.add(tid, name, fields)
    writer, packer = RecordWriter(types, keyframe_every=2), Packer()
    for f, at in zip(frames, times):
        f = f.__class__(**{**f.__dict__, "sampled_at": at})
        rec = writer.record(f, None, None)
        await sink.append(rec.at_us, rec.key, packer.pack(rec.payload, rec.key), rec.summary, list(types.pending))
        types.pending.clear()


async def _partitions(params) -> list[str]:
    c = await connect(params)
    try:
        return [r[0] for r in await c.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'pgconsole_history.records'::regclass ORDER BY 1")]
    finally:
        await c.close()


def test_retention_drops_whole_days_and_keeps_today(store):
    now = datetime.now(timezone.utc)
    old = [now - timedelta(days=3, seconds=10 - i) for i in range(4)]
    new = [now - timedelta(seconds=4 - i) for i in range(4)]

    async def go():
        sink = await PgSink.open(uri(store), "gamma", "tester@gamma", retention_s=86400)
        try:
            await _write(sink, canned_frames(4), old)
            await _write(sink, canned_frames(4), new)
            before = await _partitions(store)
            dropped = await sink.prune(to_us(now), force=True)
            return before, dropped
        finally:
            await sink.close()
    before, dropped = run(go())
    after = run(_partitions(store))
    old_day = "records_" + old[0].strftime("%Y%m%d")
    assert old_day in before and old_day not in after and dropped >= 1
    assert "records_" + now.strftime("%Y%m%d") in after

    async def read():
        rec = await Recording.open(uri(store), "gamma")
        try:
            return [m.at async for m in rec.moments()]
        finally:
            await rec.close()
    assert run(read()) == new

    async def by_size():
        sink = await PgSink.open(uri(store), "delta", "tester@delta", max_bytes=1)
        try:
            await _write(sink, canned_frames(2), [now - timedelta(days=5, seconds=1), now - timedelta(days=5)])
            await _write(sink, canned_frames(2), [now - timedelta(seconds=1), now])
            return await sink.prune(to_us(now), force=True)
        finally:
            await sink.close()
    assert run(by_size()) >= 1
    parts = run(_partitions(store))
    assert "records_" + (now - timedelta(days=5)).strftime("%Y%m%d") not in parts
    assert "records_" + now.strftime("%Y%m%d") in parts     # today's stays, whatever the size


def test_one_recorder_per_server_name(store):
    async def go():
        first = await PgSink.open(uri(store), "solo", "x")
        try:
            with pytest.raises(HistoryError, match="being recorded into .* by another pgconsole"):
                await PgSink.open(uri(store), "solo", "x")
        finally:
            await first.close()
        (await PgSink.open(uri(store), "solo", "x")).c.conn.terminate()   # free again
    run(go())


def test_a_store_the_role_cannot_write_is_one_line_and_exit_2(store, make_role, pg_params):
    run(_install(store))
    ro = make_role("hist_reader", database=store.database)
    r = subprocess.run([*PY, "record", pg_params.uri(), "--to", ro.uri(), "-q"], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "PGPASSWORD": ro.password})
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "pgconsole: error:" in r.stderr and ("cannot record" in r.stderr or "cannot create" in r.stderr
                                                 or "refuses" in r.stderr), r.stderr
    assert "Traceback" not in r.stderr


async def _install(params) -> None:
    sink = await PgSink.open(uri(params), "installer", "x")
    await sink.close()


# -- TimescaleDB: the SQL it would run, bound against stubs of the documented API -------------------
TIMESCALE_STUBS = """
CREATE EXTENSION IF NOT EXISTS plpgsql;
CREATE FUNCTION pg_temp.noop() RETURNS void LANGUAGE sql AS 'SELECT';
CREATE FUNCTION public.create_hypertable(relation regclass, time_column_name name,
    partitioning_column name DEFAULT NULL, number_partitions integer DEFAULT NULL,
    associated_schema_name name DEFAULT NULL, associated_table_prefix name DEFAULT NULL,
    chunk_time_interval anyelement DEFAULT NULL::bigint, create_default_indexes boolean DEFAULT true,
    if_not_exists boolean DEFAULT false)
    RETURNS TABLE(hypertable_id integer, schema_name name, table_name name, created boolean)
    LANGUAGE sql AS $$ SELECT 1, 'pgconsole_history'::name, 'records'::name, true $$;
CREATE FUNCTION public.drop_chunks(relation regclass, older_than anyelement DEFAULT NULL::timestamptz,
    newer_than anyelement DEFAULT NULL::timestamptz, verbose boolean DEFAULT false) RETURNS SETOF text
    LANGUAGE sql AS $$ SELECT 'chunk' WHERE false $$;
CREATE FUNCTION public.hypertable_size(hypertable regclass) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE SCHEMA timescaledb_information;
CREATE VIEW timescaledb_information.chunks AS
    SELECT 'pgconsole_history'::name AS hypertable_schema, 'records'::name AS hypertable_name,
           now() - interval '2 days' AS range_start, now() - interval '1 day' AS range_end;
"""


def test_the_timescaledb_layout_binds_to_its_documented_functions(pg_params):
    async def go(params):
        c = await connect(params)
        try:
            tr = c.transaction()
            await tr.start()
            await c.execute(TIMESCALE_STUBS)
            await c.execute(sqlfiles.load("history_schema", 130000))
            await c.execute(sqlfiles.load("history_records_timescale", 130000))
            cut = datetime.now(timezone.utc)
            await c.fetch(sqlfiles.load("history_drop_chunks", 130000), cut)
            await c.fetch(sqlfiles.load("history_drop_oldest_chunk", 130000), cut)
            assert await c.fetchval(sqlfiles.load("history_size_timescale", 130000)) == 0
            assert await c.fetchval("SELECT value FROM pgconsole_history.meta WHERE key = 'layout'") == "timescaledb"
            await tr.rollback()
        finally:
            await c.close()
    with database(pg_params, "ts") as params:
        run(go(params))


def test_a_timescaledb_store_prunes_with_drop_chunks():
    calls = []

    class FakeConn:
        uri = "tester@store:5432/history"

        async def fetch(self, name, *args):
            calls.append((name, args))
            if name.startswith("history_size"):
                return [{"bytes": 10 if len(calls) < 4 else 0}]
            return [{"dropped": "_timescaledb_internal._hyper_1_1_chunk"}]

    sink = PgSink(FakeConn(), 1, "timescaledb", retention_s=3600, max_bytes=5)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
    assert asyncio.run(sink.prune(to_us(now), force=True)) == 2
    assert calls[0] == ("history_drop_chunks", (now - timedelta(hours=1),))
    assert calls[1][0] == "history_size_timescale"
    assert calls[2] == ("history_drop_oldest_chunk", (datetime(2026, 11, 22, tzinfo=timezone.utc),))
