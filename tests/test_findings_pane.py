"""The console's Findings pane: grouped by severity, evidence and remedy in the detail, `g`
jumps to the pane that shows the object; catalog checks arrive from the live session."""

from __future__ import annotations

import asyncio
import io

from rich.console import Console

from ui_canned import OWN_PID, fixed_clock, frames

from findings_support import connect
from pgconsole.monitor import Monitor
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.widgets.findings import FindingsPane
from pgconsole.ui.widgets.panebar import PaneBar


def text_of(renderable) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def canned_app() -> ConsoleApp:
    return ConsoleApp(None, None, target="app@db.example.com:5432/shop", refresh_s=2.0, clock=fixed_clock())


async def show_findings(app, pilot) -> FindingsPane:
    for f in frames():
        app.show_frame(f)
    await pilot.pause()
    await pilot.press("6")
    await pilot.pause()
    pane = app.current_pane
    assert isinstance(pane, FindingsPane)
    return pane


async def test_canned_frames_show_findings_grouped_with_a_badge():
    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_findings(app, pilot)
        keys = list(pane._objects)
        assert keys[0] == "group|warning"                       # no critical here: warnings lead
        assert "blocking_lock|pid 101|" in keys and "idle_in_transaction|pid 101|" in keys
        assert "dead_tuples|audit.events|" in keys and "n_plus_one|query 14|" in keys
        # catalog checks cannot run without a server: they say so instead of guessing
        missing = {s.check for s in pane.result.checks if not s.ran}
        assert "unused_index" in missing and "blocking_lock" not in missing
        bar = app.query_one(PaneBar)
        assert bar.badges["findings"] == (str(len(pane.result.at_least("warning"))), "yellow")
        pane.table.select_key("blocking_lock|pid 101|")
        await pilot.pause()
        detail = text_of(pane.detail(pane.selected_key))
        assert "evidence" in detail and "waiting_pids: 102" in detail
        assert "SELECT pg_terminate_backend(101);" in detail and "g: go to the locks pane" in detail
        await pilot.press("i")                                     # info rows hidden and shown again
        await pilot.press("i")


async def test_go_to_jumps_to_the_pane_and_row_of_the_object():
    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_findings(app, pilot)
        for key, target, row in [("blocking_lock|pid 101|", "locks", "101"),
                                 ("dead_tuples|audit.events|", "bloat", "1003"),
                                 ("n_plus_one|query 14|", "statements", None)]:
            await pilot.press("6")
            assert pane.table.select_key(key)
            await pilot.press("g")
            await pilot.pause()
            assert app.current_pane.pane_id == target, key
            if row is not None:
                assert app.current_pane.selected_key == row, key
            else:
                assert app.current_pane.selected.row.queryid == 14
        # a group header is not a finding
        await pilot.press("6")
        pane.table.select_key("group|warning")
        await pilot.press("g")
        assert app.current_pane is pane
        # the console's own session is never a finding
        assert OWN_PID not in {f.evidence.get("pid") for f in pane.result.findings}


async def test_catalog_checks_arrive_from_the_live_session(fresh_db):
    conn = await connect(fresh_db)
    await conn.execute("CREATE SEQUENCE nearly_done MAXVALUE 100; SELECT setval('nearly_done', 96)")
    await conn.close()
    app = ConsoleApp(Monitor(fresh_db), None, target=fresh_db.describe(), refresh_s=0.5, poll_timeout_s=15)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("6")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15
            pane = app.current_pane
            while not (pane.result and any(f.check == "sequence_near_limit" for f in pane.result.findings)):
                assert loop.time() < deadline, "catalog findings did not arrive"
                await pilot.pause(0.1)
            assert "sequence_near_limit|public.nearly_done|" in pane._objects
            assert all(s.ran for s in pane.result.checks), [s for s in pane.result.checks if not s.ran]
            assert pane.result.findings[0].severity == "critical"
    finally:
        await app.source.close()


async def test_the_same_findings_keep_their_rows_and_new_ones_redraw():
    """A frame whose findings equal the drawn ones moves the status line only (11,000 catalog
    findings laid out again each refresh cost 40 ms a frame); a change redraws."""
    import dataclasses

    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_findings(app, pilot)
        syncs = []
        real_sync = pane.table.sync
        pane.table.sync = lambda rows, *a, **k: (syncs.append(1), real_sync(rows, *a, **k))[1]
        last = app.frame
        app.show_frame(dataclasses.replace(last, seq=last.seq + 1))   # the same moment again
        await pilot.pause()
        assert syncs == [] and pane.drawn_seq == last.seq + 1
        await pilot.press("i")                                        # info rows hidden: drawn again
        await pilot.pause()
        assert syncs == [1]
        await pilot.press("i")
        await pilot.pause()
        later = frames()[0]                                           # another moment, other findings
        app.show_frame(dataclasses.replace(later, seq=last.seq + 2))
        await pilot.pause()
        assert len(syncs) == 3


async def test_a_hidden_pane_counts_the_catalog_findings_and_holds_them_only_when_shown():
    """Hidden, the catalog run's findings are counted for the badge, not kept (11,000 on a big
    catalog were 8 MB); shown, they are there in full, and the badge says the same."""
    import dataclasses
    from datetime import timedelta

    from test_findings_units import catalog, table

    app = canned_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = next(p for p in app.panes if isinstance(p, FindingsPane))
        tables = tuple(table(relid=i, relname=f"t{i}", has_primary_key=False, n_tup_upd=5) for i in range(1, 30))
        pane.catalog = catalog(timedelta(days=30), table_usage=tables)
        for f in frames():
            app.show_frame(f)
        last = app.frame
        app.show_frame(dataclasses.replace(last, seq=last.seq + 1, sampled_at=last.sampled_at + timedelta(minutes=1)))
        await pilot.pause()
        assert pane.result is None and pane._catalog_counts is not None
        hidden_badge = app.query_one(PaneBar).badges["findings"]
        await pilot.press("6")
        await pilot.pause()
        assert pane.result is not None
        assert sum(f.check == "table_without_primary_key" for f in pane.result.findings) == 29
        assert hidden_badge == (str(len(pane.result.at_least("warning"))), "yellow")


class _CountingSource:
    """A live source whose catalog reads are counted (nothing else is asked of it here)."""

    live = True
    capabilities = None
    last_catalog = None

    def __init__(self) -> None:
        self.reads = 0

    async def catalog(self):
        self.reads += 1
        return None

    def catalog_at_hand(self):
        return None

    def show_views(self, views):
        return frozenset()

    def include_idle_sessions(self, on: bool) -> None:
        pass

    def findings_counted(self, count: int) -> None:
        pass


async def test_the_catalog_is_read_every_minute_while_shown_and_every_five_while_only_the_badge_needs_it():
    """A catalog read is ~10 statements: for the badge of a hidden pane every 5 minutes does."""
    import dataclasses
    from datetime import timedelta

    from pgconsole.findings.gather import CATALOG_EVERY_S, CATALOG_HIDDEN_S

    source = _CountingSource()
    app = ConsoleApp(source, None, target="app@db.example.com:5432/shop", refresh_s=2.0, clock=fixed_clock(),
                     start_polling=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = next(p for p in app.panes if isinstance(p, FindingsPane))
        seq = [0]

        async def frame() -> None:
            seq[0] += 1
            f = frames()[-1]
            app.show_frame(dataclasses.replace(f, seq=f.seq + seq[0], sampled_at=f.sampled_at + timedelta(seconds=seq[0])))
            await pilot.pause()
            await app.workers.wait_for_complete()

        await frame()
        assert source.reads == 1   # the first read, for the badge
        pane.reader.read_at -= CATALOG_EVERY_S + 1
        await frame()
        assert source.reads == 1   # hidden: a minute is not enough
        pane.reader.read_at -= CATALOG_HIDDEN_S - CATALOG_EVERY_S
        await frame()
        assert source.reads == 2
        pane.reader.read_at -= CATALOG_EVERY_S + 1
        await pilot.press("6")     # shown, the read older than a minute: read again at once
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert source.reads == 3
        await frame()
        assert source.reads == 3
