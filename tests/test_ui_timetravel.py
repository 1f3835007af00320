"""Moving in time with the whole console: replay of a recording (Space, + -, [ ], g, n N) and the
live console's rewind ([ ] Esc over the last frames kept in memory). Canned frames, no server."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from history_support import write_recording
from ui_canned import frames as canned_frames, fixed_clock

from pgconsole.capabilities import Capabilities
from pgconsole.history.replay import RecordedSource
from pgconsole.history.tap import FrameTap
from pgconsole.snapshots import Locks
from pgconsole.source import LiveSource
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.messages import FrameReady

pytestmark = pytest.mark.no_server

CAPS = Capabilities(version_num=180006, version="18.6", current_database="shop", current_user="mon", own_pid=4242,
                    is_superuser=False, read_all_stats=True, monitor=True, signal_backend=False,
                    shared_preload_libraries="pg_stat_statements", track_io_timing=True, is_standby=False,
                    pgss_schema="public", pgss_version="1.11", pgstattuple_schema=None, pgss_available=True)
NO_LOCKS = Locks(roots=(), nodes=(), waiting_count=0)


def story(n: int = 12):
    """Frames 2 s apart; the lock chain of the canned frames exists in frames 4 to 7 only."""
    return [f if 4 <= i < 8 else dataclasses.replace(f, locks=NO_LOCKS) for i, f in enumerate(canned_frames(n))]


def header(app) -> str:
    return app.header._status().plain


async def settle(pilot, app):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def markers_read(pilot, app):
    """The timeline's markers are read in a thread after the first moment is shown."""
    for _ in range(100):
        if app.markers:
            return app.markers
        await pilot.pause(0.05)
    return app.markers


async def test_replay_steps_plays_jumps_and_acts_on_nothing(tmp_path):
    frames = story()
    path = str(tmp_path / "r.db")
    await write_recording(path, [(f, CAPS, None) for f in frames], keyframe_every=4)
    source = await RecordedSource.open(path)
    app = ConsoleApp(None, None, target="app@db:5432/shop", read_only=True, clock=fixed_clock(), replay=source)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, app)
            assert "REPLAY" in header(app) and app.frame.seq == 1
            assert app._timeline_bar.display
            assert [m.kind for m in await markers_read(pilot, app)] == ["lock"] and app.markers[0].at == frames[4].sampled_at
            footer = {b.binding.action for b in app.screen.active_bindings.values() if b.enabled}
            assert {"toggle_play", "goto_time", "back"} <= footer and "toggle_pause" not in footer
            await pilot.press("2")                               # the Locks pane
            assert app.current_pane.table.row_count == 0
            from pgconsole.ui.app import number_keys
            from pgconsole.ui.palette import palette_commands
            palette = {c.title: c.help for c in palette_commands(app, number_keys())}
            assert "Time: Play" in palette and "key \\[" in palette["Time: Rewind"]
            assert "nothing to act on in the past" in palette["Locks: Kill"]
            await pilot.press("n")                               # the next marker: the chain forms
            await settle(pilot, app)
            assert app.frame.seq == 5 and app.current_pane.table.row_count == 3
            assert app.check_action("cancel", ()) is not True and app.current_pane.check_action("cancel", ()) is False
            await pilot.press("right_square_bracket", "right_square_bracket")
            await settle(pilot, app)
            assert app.frame.seq == 7
            await pilot.press("left_square_bracket")
            await settle(pilot, app)
            assert app.frame.seq == 6
            await pilot.press("g")
            await pilot.pause()
            await pilot.press(*"+6s", "enter")                   # 3 frames on: the chain has cleared
            await settle(pilot, app)
            assert app.frame.seq == 9 and app.current_pane.table.row_count == 0
            await pilot.press("N")
            await settle(pilot, app)
            assert app.frame.seq == 5
            await pilot.press("plus", "plus", "plus", "plus")    # 16x
            assert app.speed == 16.0
            await pilot.press("space")
            assert app.playing
            for _ in range(40):
                if not app.playing:
                    break
                await pilot.pause(0.1)
            assert not app.playing and app.frame.seq == 12       # played to the end, and stopped
            await pilot.press("escape")                          # nothing live to return to
            assert "REPLAY" in header(app)
    finally:
        await source.close()


class CannedMonitor:
    """The monitor's surface LiveSource uses, over canned frames."""

    caps = CAPS

    def __init__(self, frames):
        self.frames, self.polls = frames, 0

    async def poll(self, force=frozenset()):
        f = self.frames[min(self.polls, len(self.frames) - 1)]
        self.polls += 1
        return f

    def show_views(self, views):
        return frozenset()

    def include_idle_sessions(self, on):
        pass

    async def close(self):
        pass


async def test_live_rewind_steps_back_and_esc_returns_to_live():
    frames = story(10)
    source = LiveSource(CannedMonitor(frames), FrameTap())      # type: ignore[arg-type]
    app = ConsoleApp(source, None, target="app@db:5432/shop", clock=fixed_clock(), start_polling=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(8):
            app.post_message(FrameReady(await source.poll()))
        await settle(pilot, app)
        assert app.frame.seq == 8 and "REWOUND" not in header(app) and not app._timeline_bar.display
        await pilot.press("left_square_bracket")
        await settle(pilot, app)
        assert app.frame.seq == 7 and "REWOUND" in header(app) and app._timeline_bar.display
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot, app)
        assert app.frame.seq == 5
        app.post_message(FrameReady(await source.poll()))        # live goes on, recorded, not drawn
        await settle(pilot, app)
        assert app.frame.seq == 5 and source.tap.frames == 9
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert app.frame.seq == 6
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.frame.seq == 9 and "REWOUND" not in header(app) and not app._timeline_bar.display
        await pilot.press("left_square_bracket")
        await settle(pilot, app)
        assert app.frame.seq == 8
        for _ in range(3):
            await pilot.press("right_square_bracket")              # past the newest: live again
        await settle(pilot, app)
        assert app.frame.seq == 9 and "REWOUND" not in header(app)


async def test_memory_keeps_half_an_hour_compactly():
    frames = canned_frames(12)
    tap = FrameTap(span_s=60)
    t0 = frames[0].sampled_at
    for i in range(600):                                        # 20 minutes at 2 s, in a 1-minute memory
        f = frames[i % len(frames)]
        await tap.write(dataclasses.replace(f, sampled_at=t0 + timedelta(seconds=2 * i), seq=i + 1), CAPS, None)
    rec = tap.recording()
    span = (rec.last - rec.first).total_seconds()
    assert 60 <= span <= 60 + 2 * 300                            # whole chains go; the newest minute stays
    m = await rec.at(rec.last)
    assert m is not None and m.frame.seq == 600
    assert await tap.memory.size_bytes() < 600 * 3000
    tap.memory.max_bytes = 40_000                                # and a size limit, chain by chain
    f = frames[0]
    for i in range(600, 700):
        await tap.write(dataclasses.replace(f, sampled_at=t0 + timedelta(seconds=2 * i), seq=i + 1), CAPS, None)
    chain = await tap.memory.chain(tap.memory.server.last_us)
    assert await tap.memory.size_bytes() <= max(40_000, sum(len(r.blob) for r in chain))
    assert (await rec.at(rec.last)).frame.seq == 700


async def test_record_file_holds_what_the_console_showed_and_markers_find_the_chain(tmp_path):
    from pgconsole.history.reader import Recording
    from pgconsole.history.sqlite_store import SqliteSink

    frames = story()
    path = str(tmp_path / "live.db")
    tap = FrameTap(await SqliteSink.open(path, "shop", "app@db:5432/shop"))
    await tap.start()
    for f in frames:
        assert await tap.write(f, CAPS, None) is None
    await tap.close()
    rec = await Recording.open(path)
    try:
        m = await rec.at(frames[5].sampled_at)
        assert m.frame.seq == 6 and isinstance(m.frame.locks, Locks) and m.frame.locks.waiting_count == 2
        source = RecordedSource(rec)
        # findings are counted every 10 s: frames 0 and 5, when the blocking lock has become one
        assert [(k.kind, k.at) for k in await source.markers()] == [("lock", frames[4].sampled_at),
                                                                   ("finding", frames[5].sampled_at)]
        await source.seek(frames[5].sampled_at)
        with pytest.raises(Exception, match="exact bloat of a past moment is not recorded"):
            await source.exact_bloat(1)
        assert (await source.locks_held(102))[0].mode == "ShareLock"
    finally:
        await rec.close()


def test_markers_peaks_restarts_and_findings():
    from pgconsole.history.replay import markers
    t0 = canned_frames(1)[0].sampled_at
    summaries = [{"w": 0, "c": 10, "s": 100, "f": 0}] * 20 + [{"w": 0, "c": 30, "s": 100, "f": 0}] \
        + [{"w": 0, "c": 10, "s": 100, "f": 2}] * 5 + [{"w": 1, "c": 10, "s": 200, "f": 2}] \
        + [{"w": 0, "c": 10, "s": 200, "f": 2}] * 5
    timeline = [(t0 + timedelta(seconds=i), s) for i, s in enumerate(summaries)]
    got = [(m.kind, (m.at - t0).seconds) for m in markers(timeline)]
    # one frame of waiting is no marker (sub-second contention); a restart, a peak, new findings are
    assert got == [("peak", 20), ("finding", 21), ("restart", 26)]


def test_replay_command_line_errors_are_one_line(tmp_path, capsys):
    from pgconsole.cli import main
    assert main(["replay"]) == 2
    assert main(["replay", str(tmp_path / "r.db")]) == 2      # no terminal here: said before any file is read
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "give a recording" in err[0] and "needs a terminal" in err[1]


async def test_the_catalog_run_goes_to_a_file_not_to_the_rewind_memory(tmp_path):
    """At 10,000 tables the catalog run is 30,000 rows: the memory does without it (a rewound
    moment is judged on the catalog last read live); --record's file keeps it for replay."""
    from pgconsole.findings.catalog_rows import Catalog
    from pgconsole.history.reader import Recording
    from pgconsole.history.sqlite_store import SqliteSink

    frames = canned_frames(3)
    catalog = Catalog(frames[0].sampled_at, {})
    memory_only = FrameTap()
    path = str(tmp_path / "rec.db")
    both = FrameTap(await SqliteSink.open(path, "shop", "app@db:5432/shop"))
    await both.start()
    for f in frames:
        await memory_only.write(f, CAPS, catalog)
        await both.write(f, CAPS, catalog)
    await both.close()
    m = await memory_only.recording().at(frames[-1].sampled_at)
    assert m is not None and m.catalog is None
    rewound = RecordedSource(memory_only.recording(), live_catalog=catalog)
    await rewound.seek(frames[-1].sampled_at)
    assert rewound.catalog_at_hand() is catalog
    rec = await Recording.open(path)
    try:
        m = await rec.at(frames[-1].sampled_at)
        assert m is not None and isinstance(m.catalog, Catalog)
    finally:
        await rec.close()
