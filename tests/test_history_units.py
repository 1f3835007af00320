"""History without a server: the generic codec, changes between frames, the file, times."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import ipaddress
import json
import sqlite3
from dataclasses import dataclass, field, replace
from decimal import Decimal

import pytest
from history_support import differences, write_recording
from ui_canned import frames as canned_frames

from pgconsole import derive, snapshots
from pgconsole.capabilities import Capabilities
from pgconsole.errors import PgConsoleError
from pgconsole.history import delta
from pgconsole.history.codec import Encoder, TypeTable
from pgconsole.history.decoder import Decoder
from pgconsole.history.compress import Packer, Unpacker
from pgconsole.history.reader import Recording
from pgconsole.history.sqlite_store import SqliteSink
from pgconsole.history.store import HistoryError
from pgconsole.history.stream import RecordReader, RecordWriter, parse_payload
from pgconsole.history.times import parse_duration, parse_size, parse_time

CAPS = Capabilities(version_num=180006, version="18.6", current_database="shop", current_user="mon", own_pid=4242,
                    is_superuser=False, read_all_stats=True, monitor=True, signal_backend=False,
                    shared_preload_libraries="pg_stat_statements", track_io_timing=True, is_standby=False,
                    pgss_schema="public", pgss_version="1.11", pgstattuple_schema=None, pgss_available=True)


def run(coro):
    return asyncio.run(coro)


def roundtrip(frames, keyframe_every=4):
    types = TypeTable()
    writer, reader = RecordWriter(types, keyframe_every), RecordReader(types)
    packer, unpacker = Packer(), Unpacker()
    out, records = [], []
    for i, f in enumerate(frames):
        rec = writer.record(f, CAPS, None)
        payload = unpacker.unpack(packer.pack(rec.payload, rec.key))
        if rec.key:
            unpacker.keyframe(payload)
        reader.apply(rec.at_us, parse_payload(payload))
        out.append(reader.moment(i))
        records.append(rec)
    return out, records


def test_canned_frames_come_back_as_they_were():
    frames = canned_frames(12)
    moments, records = roundtrip(frames)
    assert [r.key for r in records] == [True, False, False, False] * 3
    for f, m in zip(frames, moments):
        assert differences(m.frame, f) == []
        assert m.caps == CAPS and m.at == f.sampled_at


def test_a_view_not_collected_again_is_not_written_and_stays_the_same_object():
    f0 = canned_frames(2)[0]
    f1 = replace(f0, seq=2, sampled_at=f0.sampled_at + dt.timedelta(seconds=1), connections=canned_frames(2)[1].connections)
    moments, records = roundtrip([f0, f1], keyframe_every=100)
    slots = json.loads(records[1].payload)
    assert "bloat" not in slots["s"] and "bloat" not in slots.get("u", ())   # same object: not polled again
    assert "connections" in slots["s"]
    assert moments[1].frame.bloat is moments[0].frame.bloat
    assert moments[1].frame.cache is moments[0].frame.cache


def test_rows_whose_ages_grow_with_the_clock_cost_nothing():
    f0 = canned_frames(1)[0]
    later = f0.sampled_at + dt.timedelta(seconds=7)

    def age(v, by):
        return None if v is None else v + by
    aged = [replace(b, backend_age_s=age(b.backend_age_s, 7.003), xact_age_s=age(b.xact_age_s, 6.97),
                    query_age_s=age(b.query_age_s, 7.05), state_age_s=age(b.state_age_s, 6.998))
            for b in f0.connections.backends]
    f1 = replace(f0, seq=2, sampled_at=later, connections=derive.connections(aged))
    moments, records = roundtrip([f0, f1], keyframe_every=100)
    patch = json.loads(records[1].payload)["s"]["connections"]
    assert patch[0] == "p" and patch[1::2] == [3]     # only idle_in_transaction (pid, seconds): no row
    b = moments[1].frame.connections.backends[0]
    assert b.backend_age_s == pytest.approx(aged[0].backend_age_s, abs=0.1)
    assert b.xact_age_s == pytest.approx(aged[0].xact_age_s, abs=0.1)


def test_row_changes_are_patches_against_the_previous_rows():
    prev_rows = [snapshots.DatabaseSize(f"db{i}", i * 100, i) for i in range(50)]
    new_rows = prev_rows[:10] + [replace(prev_rows[10], numbackends=99)] + prev_rows[12:40] + \
        [snapshots.DatabaseSize("new", 1, 1)] + prev_rows[40:][::-1]
    types = TypeTable()
    enc = Encoder(types)
    a, b = enc.encode_root(tuple(prev_rows), 0), enc.encode_root(tuple(new_rows), 0)
    patch, effective = delta.diff(a, b)
    assert delta.apply(a, patch) == effective == b
    assert len(json.dumps(patch)) < len(json.dumps(b)) / 3
    dec = Decoder(types)
    assert dec.decode_root(delta.apply(a, patch), 0) == tuple(new_rows)


def test_fields_are_mapped_by_name_across_versions():
    """A file written before a field existed reads with its default; a field since removed is dropped."""
    types = TypeTable()
    types.add(1, "pgconsole.snapshots.DatabaseSize", ("datname", "numbackends", "removed_since"))
    types.add(2, "pgconsole.snapshots.NoSuchClassAnymore", ("x",))
    types.add(3, "os.system", ("x",))      # never anything outside pgconsole
    dec = Decoder(types)
    assert dec.decode_root([1, "shop", 3, "gone"], 0) == snapshots.DatabaseSize("shop", None, 3)
    assert dec.decode_root(["t", [2, 1], [3, "rm -rf"]], 0) == (None, None)


def test_new_dataclasses_and_value_types_need_no_code_here(monkeypatch):
    @dataclass(frozen=True)
    class Inner:
        lag_s: float | None
        sent: Decimal

    @dataclass(frozen=True)
    class One:                              # one field, and none: the generated encoders' edge cases
        at: dt.datetime

    @dataclass(frozen=True)
    class Empty:
        pass

    @dataclass(frozen=True)
    class NewView:                          # as another engineer might add it
        at: dt.datetime
        day: dt.date
        span: dt.timedelta
        addr: object
        rows: tuple
        by_name: dict = field(default_factory=dict)
        tags: list = field(default_factory=list)
        odd: tuple = ()

    for cls in (Inner, One, Empty, NewView):
        cls.__module__, cls.__qualname__ = "pgconsole.snapshots", f"_Test{cls.__name__}"
        monkeypatch.setattr(snapshots, f"_Test{cls.__name__}", cls, raising=False)
    view = NewView(dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone(dt.timedelta(hours=2))),
                   dt.date(2026, 1, 2), dt.timedelta(seconds=3.5), ipaddress.ip_address("10.0.0.1"),
                   (Inner(1.5, Decimal("12345678901234567890.5")), Inner(None, Decimal(0))),
                   {"a": (1, 2), "b": None}, [1.5, "x", None, True],
                   (One(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)), Empty()))
    types = TypeTable()
    back = Decoder(types).decode_root(json.loads(json.dumps(Encoder(types).encode_root(view, 1e6))), 1e6)
    assert back == replace(view, addr="10.0.0.1")   # an unknown type is kept as its text
    assert back.at.utcoffset() == dt.timedelta(hours=2)


def test_clock_fields_come_back_within_the_tolerance():
    b = snapshots.Backend(**{**dataclasses.asdict(canned_frames(1)[0].connections.backends[0]),
                             "backend_age_s": 1234.5678, "lock_wait_s": 0.25})
    types = TypeTable()
    t = 1.7e12
    back = Decoder(types).decode_root(Encoder(types).encode_root(b, t), t)
    assert back.backend_age_s == pytest.approx(1234.5678, abs=0.001)
    assert back.lock_wait_s == pytest.approx(0.25, abs=0.001)


# -- the file -------------------------------------------------------------------------------
def _moments(n=10):
    return [(f, CAPS, None) for f in canned_frames(n)]


def test_file_seek_step_and_scan(tmp_path):
    path = str(tmp_path / "r.db")
    frames = canned_frames(10)
    run(write_recording(path, _moments(10), keyframe_every=3))

    async def go():
        rec = await Recording.open(path)
        assert (rec.first, rec.last, rec.server.records) == (frames[0].sampled_at, frames[-1].sampled_at, 10)
        m = await rec.at(frames[5].sampled_at + dt.timedelta(seconds=1))
        assert m.frame.seq == 6 and differences(m.frame, frames[5]) == []
        assert (await rec.at(frames[0].sampled_at - dt.timedelta(seconds=1))) is None
        assert (await rec.step(m, 1)).frame.seq == 7
        assert (await rec.step(m, -4)).frame.seq == 2
        assert await rec.step(m, 5) is None
        seqs = [x.frame.seq async for x in rec.moments(frames[4].sampled_at, frames[7].sampled_at)]
        assert seqs == [5, 6, 7, 8]
        assert [s["w"] for _, s in await rec.timeline()] == [2] * 10     # two sessions wait in every frame
        m.findings()    # the findings' inputs are there
        await rec.close()
    run(go())


def test_continuing_a_file_and_refusing_another_servers(tmp_path):
    path = str(tmp_path / "r.db")
    frames = canned_frames(6)
    run(write_recording(path, [(f, CAPS, None) for f in frames[:3]]))
    run(write_recording(path, [(f, CAPS, None) for f in frames[3:]]))   # a restarted recorder goes on

    async def go():
        rec = await Recording.open(path)
        assert [m.frame.seq async for m in rec.moments()] == [1, 2, 3, 4, 5, 6]
        await rec.close()
    run(go())
    with pytest.raises(HistoryError, match="records server 'canned', not 'other'"):
        run(SqliteSink.open(path, "other", "x"))


def test_retention_by_age_and_by_size_drops_whole_chains(tmp_path):
    frames = canned_frames(40)
    path = str(tmp_path / "age.db")
    run(write_recording(path, _moments(40), keyframe_every=5, retention_s=20))   # frames 2 s apart

    async def first_seq(p):
        rec = await Recording.open(p)
        try:
            return [m.frame.seq async for m in rec.moments()]
        finally:
            await rec.close()
    seqs = run(first_seq(path))
    assert seqs[-1] == 40 and 20 <= (frames[-1].sampled_at - frames[seqs[0] - 1].sampled_at).total_seconds() <= 30
    path = str(tmp_path / "size.db")
    run(write_recording(path, _moments(40), keyframe_every=5, max_bytes=30_000))
    assert run(first_seq(path))[-1] == 40
    assert len(run(first_seq(path))) < 40
    db = sqlite3.connect(path)
    assert db.execute("SELECT min(id) = min(key_id) FROM records").fetchone()[0] == 1   # starts at a keyframe


def test_a_newer_format_a_foreign_file_and_a_damaged_one_are_refused(tmp_path):
    path = str(tmp_path / "r.db")
    run(write_recording(path, _moments(6)))
    newer = str(tmp_path / "newer.db")
    run(write_recording(newer, _moments(2)))
    db = sqlite3.connect(newer)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    db.commit()
    db.close()
    with pytest.raises(HistoryError, match="written by a newer pgconsole .*format 99"):
        run(Recording.open(newer))
    with pytest.raises(HistoryError, match="newer pgconsole"):
        run(SqliteSink.open(newer, "canned", "x"))        # nor appended to
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(HistoryError, match="not a pgconsole recording"):
        run(Recording.open(str(other)))
    (tmp_path / "text.db").write_text("hello")
    with pytest.raises(HistoryError, match="not an SQLite file"):
        run(SqliteSink.open(str(tmp_path / "text.db"), "canned", "x"))
    assert (tmp_path / "text.db").read_text() == "hello"      # nothing overwritten


def test_times_and_sizes():
    end = dt.datetime(2026, 11, 22, 14, 30, tzinfo=dt.timezone.utc)
    utc = dt.timezone.utc
    assert parse_time("-15m", end) == end - dt.timedelta(minutes=15)
    assert parse_time(" -1h30m", end) == end - dt.timedelta(minutes=90)
    assert parse_time("03:12", end, utc) == dt.datetime(2026, 11, 22, 3, 12, tzinfo=utc)
    assert parse_time("15:00", end, utc) == dt.datetime(2026, 11, 21, 15, 0, tzinfo=utc)   # not after the end
    assert parse_time("2026-11-20T01:02:03+01:00", end) == dt.datetime(2026, 11, 20, 0, 2, 3, tzinfo=utc)
    assert parse_time("2026-11-20 01:02", end, utc) == dt.datetime(2026, 11, 20, 1, 2, tzinfo=utc)
    with pytest.raises(PgConsoleError, match="as a time"):
        parse_time("yesterday", end)
    assert parse_duration("24h") == 86400 and parse_duration("90") == 90 and parse_duration("1d12h") == 129600
    with pytest.raises(PgConsoleError):
        parse_duration("soon")
    assert parse_size("1GB") == 1 << 30 and parse_size("500 MiB") == 500 << 20 and parse_size("0") == 0


# -- the report over a window ---------------------------------------------------------------------
def _episode_frames():
    """Twelve frames 2 s apart; sessions 102 and 103 wait behind 101 from T0+5 s until after frame 7."""
    from pgconsole import locktree
    from pgconsole.snapshots import Locks, LockWait
    out = []
    start = canned_frames(1)[0].sampled_at + dt.timedelta(seconds=5)
    for f in canned_frames(12):
        if 3 <= f.seq - 1 <= 7:
            w = (f.sampled_at - start).total_seconds()
            locks = locktree.build([LockWait(102, [101], "transactionid", "ShareLock", "orders", w),
                                    LockWait(103, [102], "tuple", "ExclusiveLock", "orders", w - 1)],
                                   f.connections.by_pid())
        else:
            locks = Locks((), (), 0)
        out.append(replace(f, locks=locks))
    return out, start


def test_the_window_report_names_the_lock_episode(tmp_path, capsys):
    from pgconsole.cli import main
    frames, start = _episode_frames()
    path = str(tmp_path / "r.db")
    run(write_recording(path, [(f, CAPS, None) for f in frames]))
    t1, t2 = frames[1].sampled_at.isoformat(), frames[10].sampled_at.isoformat()
    assert main(["report", "--from", path, "--between", t1, t2, "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    locks = next(s for s in doc["sections"] if s["id"] == "locks")
    (ep,) = locks["tables"]["episodes"]["rows"]
    assert ep["root_pid"] == 101 and ep["waiter_pids"] == "102, 103" and ep["waiters"] == 2
    assert ep["started"] == start.isoformat()
    assert ep["duration_s"] == pytest.approx((frames[7].sampled_at - start).total_seconds(), abs=0.01)
    assert ep["ended_by"] == frames[8].sampled_at.isoformat()
    assert {w["pid"] for w in locks["tables"]["waiters"]["rows"]} == {102, 103}
    stmts = next(s for s in doc["sections"] if s["id"] == "statements")
    assert stmts["tables"]["top"]["rows"][0]["calls"] > 0
    finds = next(s for s in doc["sections"] if s["id"] == "findings")
    assert any(r["check"] == "idle_in_transaction" for r in finds["tables"]["timeline"]["rows"])
    for fmt in ("md", "html"):
        assert main(["report", "--from", path, "--format", fmt]) == 0
        assert "Lock episodes" in capsys.readouterr().out


def test_snapshot_from_a_recording_is_the_live_json(tmp_path, capsys):
    from pgconsole.cli import main
    from pgconsole.serialize import frame_json
    frames = canned_frames(4)
    path = str(tmp_path / "r.db")
    run(write_recording(path, [(f, CAPS, None) for f in frames]))
    assert main(["snapshot", "--from", path, "--at", frames[2].sampled_at.isoformat(), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    want = json.loads(json.dumps(frame_json(frames[2]), default=str))
    assert got.keys() == want.keys() and got["locks"] == want["locks"] and got["sampled_at"] == want["sampled_at"]
    assert main(["snapshot", "--from", path, "--at", "-1h"]) == 2
    assert "before the recording starts" in capsys.readouterr().err


def test_a_view_sampled_again_unchanged_has_its_ages_moved():
    """Ages are kept as moments: the same rows sampled later read as older, nested or not."""
    frames = canned_frames(3)
    f0 = frames[0]
    bloat = f0.bloat
    later = [replace(f0, seq=i + 1, sampled_at=f0.sampled_at + dt.timedelta(seconds=10 * i),
                     bloat=replace(bloat, tables=tuple(
                         replace(t, stats_age_s=None if t.stats_age_s is None else t.stats_age_s + 10 * i)
                         for t in bloat.tables)))
             for i in range(3)]
    moments, records = roundtrip(later, keyframe_every=100)
    assert "bloat" in json.loads(records[2].payload)["u"]        # sampled again, nothing changed
    ages = [m.frame.bloat.tables[0].stats_age_s for m in moments]
    assert ages == pytest.approx([bloat.tables[0].stats_age_s + 10 * i for i in range(3)], abs=0.01)


def test_record_refuses_bad_options_in_one_line(capsys, tmp_path):
    from pgconsole.cli import main
    for argv, msg in ((["record", "-o", str(tmp_path / "a.db"), "--to", "postgresql://x/y"], "either -o FILE or --to"),
                      (["record", "--refresh", "0.01"], "--refresh must be at least"),
                      (["record", "--to", "history.db"], "postgresql:// URI"),
                      (["record", "--retention", "soon"], "as a duration"),
                      (["record", "--max-size", "big"], "as a size"),
                      (["report", "--between", "-1h", "end"], "give --from")):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1, err
