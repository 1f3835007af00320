"""Pane 7 (Replication & WAL) over canned frames: its five views, the role line, server text
shown as sent (markup and escapes never interpreted), its cadence, `g` from the Findings
pane, and its actions refused or confirmed. No server needed."""

from __future__ import annotations

from replication_canned import ODD, standby_replication, with_views
from test_findings_pane import text_of
from ui_canned import CannedSource, fixed_clock, frames

from pgconsole.replication_snapshots import VIEWS
from pgconsole.snapshots import Unavailable
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.screens.confirm import ConfirmScreen
from pgconsole.ui.widgets.replication import ReplicationPane

FRAMES = [with_views(f) for f in frames(4)]
PG15 = Unavailable("io", "pg_stat_io needs PostgreSQL 16 or later (this is 15.8)", "an upgrade")


class NoActions:
    own_pids = frozenset()

    def __getattr__(self, name):
        raise AssertionError(f"action {name} reached the server")


def row_text(pane: ReplicationPane, key: str) -> str:
    row = pane.table.rows[key]
    return " | ".join(c.plain if hasattr(c, "plain") else c[0] for c in row.cells)


async def show_pane7(app, pilot, frame_list=FRAMES) -> ReplicationPane:
    for f in frame_list:
        app.show_frame(f)
    await pilot.press("7")
    await pilot.pause()
    pane = app.current_pane
    assert isinstance(pane, ReplicationPane)
    return pane


async def test_five_views_with_the_role_line_and_server_text_as_sent():
    source = CannedSource(FRAMES)
    app = ConsoleApp(source, None, target="app@db:5432/shop", clock=fixed_clock(), start_polling=False)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_pane7(app, pilot)
        assert source.shown[-1] == frozenset(VIEWS)          # shown: its views at their own pace
        status = pane._status_line.text.plain if hasattr(pane._status_line, "text") else ""
        assert pane.table.ordered_keys == ["standby:4242", f"slot:{ODD}"]
        slot_row = row_text(pane, f"slot:{ODD}")
        assert "weird[bold]\\x1b[31mname" in slot_row and "inactive" in slot_row and "128.0 MB" in slot_row
        pane.table.select_key(f"slot:{ODD}")
        detail = text_of(pane.detail(pane.selected_key))
        assert "weird[bold]\\x1b[31mname" in detail and "\x1b" not in detail and "D: drop it" in detail
        seen = []
        for _ in range(5):
            seen.append((pane.mode, list(pane.table.ordered_keys)))
            await pilot.press("t")
            await pilot.pause()
        modes = dict(seen)
        assert list(modes) == ["links", "horizon", "autovacuum", "wal", "io"] and pane.mode == "links"
        assert modes["horizon"][0] == "prepared:tx-[42]"                       # oldest first
        assert modes["autovacuum"][:2] == ["worker:900", "table:10"]
        assert "archiver" in modes["wal"] and "checkpoints" in modes["wal"]
        assert modes["io"] == ["io:client backend|relation|normal"]
        app.show_frame(FRAMES[0])
        await pilot.press("3")                                   # hidden: back to the hidden cadence
        assert source.shown[-1] == frozenset({"cache"})
        del status


async def test_standby_view_says_caught_up_plainly_and_io_unavailable_keeps_the_role_line():
    standby = [with_views(f, replication=standby_replication(pending=0, replay_age_s=86400.0), io=PG15)
               for f in frames(2)]
    app = ConsoleApp(None, None, target="app@db:5432/shop", clock=fixed_clock())
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await show_pane7(app, pilot, standby)
        assert pane.table.ordered_keys[:2] == ["receiver", "replay"]
        assert "caught up" in row_text(pane, "replay")
        pane.table.select_key("replay")
        assert "the primary is idle, not a delay" in text_of(pane.detail("replay"))
        role = text_of(pane.status_line(pane.view_of(pane.frame), pane.frame))
        assert "standby of primary.internal:5432" in role and "streaming" in role and "caught up" in role
        for _ in range(4):
            await pilot.press("t")
        assert pane.mode == "io" and pane._message_text and "needs PostgreSQL 16" in pane._message_text
        assert not pane.table.display
        await pilot.press("t")
        assert pane.mode == "links" and pane.table.display


async def test_go_to_from_findings_lands_on_the_holder_row():
    app = ConsoleApp(None, None, target="app@db:5432/shop", clock=fixed_clock())
    async with app.run_test(size=(120, 40)) as pilot:
        for f in FRAMES:
            app.show_frame(f)
        await pilot.press("6")
        await pilot.pause()
        findings = app.current_pane
        key = next(k for k, f in findings._objects.items()
                   if getattr(f, "check", "") == "xmin_horizon_held" and f.object == "pid 555")
        assert findings.table.select_key(key)
        await pilot.press("g")
        await pilot.pause()
        pane = app.current_pane
        assert isinstance(pane, ReplicationPane) and pane.mode == "horizon" and pane.selected_key == "session:555"
        await pilot.press("6")
        key = next(k for k, f in findings._objects.items() if getattr(f, "check", "") == "archive_failing")
        findings.table.select_key(key)
        await pilot.press("g")
        await pilot.pause()
        assert pane.mode == "wal" and pane.selected_key == "archiver"


async def test_actions_confirm_first_and_read_only_refuses():
    app = ConsoleApp(None, NoActions(), target="app@db:5432/shop", clock=fixed_clock())
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await show_pane7(app, pilot)
        await pilot.press("t")                                   # the horizon
        pane.table.select_key("prepared:tx-[42]")
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")                               # No: nothing reaches the server
    ro = ConsoleApp(None, NoActions(), target="app@db:5432/shop", clock=fixed_clock(), read_only=True)
    async with ro.run_test(size=(120, 40)) as pilot:
        pane = await show_pane7(ro, pilot)
        await pilot.press("t")
        pane.table.select_key("session:555")
        await pilot.press("k")
        await pilot.press("D")
        await pilot.pause()
        assert not isinstance(ro.screen, ConfirmScreen)
