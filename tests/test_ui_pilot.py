"""The console driven by keys (Pilot) over canned frames: navigation, filter, sort, pause,
refresh rate, modals, read-only, in-place updates. No server needed."""

from __future__ import annotations

import asyncio

from screen_text import screen_text
from ui_canned import CannedSource, fixed_clock, frames

from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.screens.confirm import ConfirmScreen
from pgconsole.ui.screens.filter import FilterScreen
from pgconsole.ui.screens.help import HelpScreen
from pgconsole.ui.screens.sort import SortScreen
from pgconsole.ui.screens.text import TextScreen
from pgconsole.ui.widgets.table import KeyedTable

FRAMES = frames()


class NoActions:
    """An action session that must never be reached (the modal is answered No, or refused)."""

    own_pids = frozenset()

    def __getattr__(self, name):
        raise AssertionError(f"action {name} reached the server")


def make_app(read_only: bool = False, polling: bool = False) -> ConsoleApp:
    return ConsoleApp(CannedSource(FRAMES), None, target="app@db:5432/shop", refresh_s=2.0,
                      read_only=read_only, clock=fixed_clock(), start_polling=polling)


def order(app: ConsoleApp) -> list[str]:
    return app.current_pane.table.ordered_keys


async def wait_for(pilot, cond, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.02)


async def test_number_keys_switch_panes_and_focus_their_table():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        for key, pane in (("2", "locks"), ("3", "cache"), ("4", "statements"), ("5", "bloat"),
                          ("1", "connections")):
            await pilot.press(key)
            assert app.current_pane.pane_id == pane
            assert app.focused is app.current_pane.table
            assert app.current_pane.table.row_count > 0
        # hidden panes were drawn when shown, not on every frame
        await pilot.press("2")
        assert order(app)[:3] == ["101", "102", "103"]          # root blocker first, then its chain


async def test_locks_jump_from_waiter_to_blocker_and_root():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("2", "end")
        assert app.current_pane.selected_key == "103"
        await pilot.press("b")
        assert app.current_pane.selected_key == "102"
        await pilot.press("end", "B")
        assert app.current_pane.selected_key == "101"


async def test_filter_by_field_and_text_then_clear():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        pane = app.current_pane
        await pilot.press("slash")
        assert isinstance(app.screen, FilterScreen)
        await pilot.press(*"db:analytics", "enter")
        assert order(app) == ["104"]
        await pilot.press("slash", "ctrl+a", "ctrl+k", *"-orders", "enter")   # negation
        assert "101" not in order(app) and "106" in order(app)
        await pilot.press("escape")
        assert not pane.filter and "101" in order(app)


async def test_toggles_idle_waiting_and_idle_in_transaction():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        assert "105" not in order(app)            # idle hidden by default
        assert app.source.idle_sessions == [False]   # ... so the poll need not read them
        await pilot.press("i")
        assert "105" in order(app)
        assert app.source.idle_sessions == [False, True]
        await pilot.press("w")
        assert sorted(order(app)) == ["102", "103"]
        await pilot.press("x")
        assert order(app) == ["101"]
        await pilot.press("x")
        assert "105" in order(app)


async def test_panes_tell_the_data_core_what_is_on_screen_and_refresh_what_was_held_back():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        src = app.source
        assert src.shown == [frozenset({"connections"})]
        asked: list = []
        app.poller.refresh_now = lambda views=(): asked.append(frozenset(views))
        src.stale = frozenset({"statements"})      # held back while hidden: refreshed on showing
        await pilot.press("4")
        assert src.shown[-1] == frozenset({"statements"}) and asked == [frozenset({"statements"})]
        src.stale = frozenset()
        await pilot.press("6")                     # the findings read every view
        assert src.shown[-1] is None and len(asked) == 1


async def test_sort_picker_and_reverse_keep_the_selected_row():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        assert order(app)[0] == "101"             # default: oldest transaction first
        await pilot.press("down")
        assert app.current_pane.selected_key == "102"
        await pilot.press("s")
        assert isinstance(app.screen, SortScreen)
        await pilot.press("home", "enter")        # first option: pid
        ordered = order(app)
        assert ordered == sorted(ordered, key=int)
        assert app.current_pane.selected_key == "102"   # the cursor followed its row
        await pilot.press("S")
        assert order(app) == sorted(ordered, key=int, reverse=True)
        assert app.current_pane.selected_key == "102"


async def test_frames_update_rows_in_place_keeping_cursor_and_row_objects():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[0])
        table = app.current_pane.table
        await pilot.press("down", "down")
        key = app.current_pane.selected_key
        row_objects = dict(table.rows)
        for f in FRAMES[1:]:
            app.show_frame(f)
        await pilot.pause()
        assert app.current_pane.selected_key == key
        # same Row objects: updated cell by cell, never cleared and rebuilt
        assert all(table.rows[k] is row_objects[k] for k in row_objects)


async def test_pause_refresh_and_rate_keys_drive_the_poll_loop():
    app = make_app(polling=True)
    async with app.run_test(size=(120, 40)) as pilot:
        source = app.source
        await wait_for(pilot, lambda: source.polls >= 1 and app.frame is not None)
        assert app.current_pane.table.row_count > 0
        await pilot.press("p")
        assert app.poller.paused and "PAUSED" in str(app.header.render())
        before = source.polls
        await pilot.press("r")                     # refresh now works while paused: exactly one poll
        await wait_for(pilot, lambda: source.polls == before + 1)
        await pilot.press("p")
        assert not app.poller.paused
        await pilot.press("minus")
        assert app.refresh_s == 3.0 and app.poller.refresh_s == 3.0
        await pilot.press("plus", "plus", "plus")
        assert app.refresh_s == 0.5
        await pilot.press("plus")
        assert app.refresh_s == 0.5               # the ladder stops at 0.5 s


async def test_statements_interval_toggle_and_explain_without_server():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("4")
        pane = app.current_pane
        assert pane.table.labels["calls"] == "calls"
        await pilot.press("i")
        assert pane.interval and pane.table.labels["calls"] == "calls/s"
        await pilot.press("e")                     # no caps: a notification, no crash
        await pilot.pause()
        assert any("not connected" in n.message for n in app._notifications)


async def test_own_statements_hidden_until_o_and_the_findings_follow():
    from dataclasses import replace

    from factories import statement_row
    from pgconsole import derive

    base = FRAMES[-1]
    own = statement_row(99, calls=900000, total_exec_ms=500000.0, mean_exec_ms=0.5, rows=900000)
    text = {99: "SELECT /* pgconsole */ relname FROM pg_class WHERE oid = $1"}
    st = derive.statements([own], None, text, None, "public", "1.11")
    frame = replace(base, seq=base.seq + 1, statements=replace(
        base.statements, statements=base.statements.statements + st.statements))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(frame)
        await pilot.press("4")
        pane = app.current_pane
        assert not any(k.startswith("10:5:99:") for k in order(app))
        await pilot.press("o")
        assert pane.show_own and any(k.startswith("10:5:99:") for k in order(app))
        findings = next(p for p in app.panes if p.pane_id == "findings")
        assert findings._own_statements()


async def test_help_detail_zoom_and_palette_open_and_close():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "enter")
        assert isinstance(app.screen, TextScreen)
        await pilot.press("escape", "d")
        assert not app.query_one("#detail").display
        await pilot.press("d")
        assert app.query_one("#detail").display
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press("escape")


async def test_confirm_modal_defaults_to_no():
    app = make_app()
    app.actions = NoActions()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("k")
        assert isinstance(app.screen, ConfirmScreen)
        assert "101" in str(app.screen.body)
        await pilot.press("enter")                  # Enter on the focused "No"
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("c", "n")
        assert not isinstance(app.screen, ConfirmScreen)


async def test_read_only_greys_out_and_refuses_actions():
    app = make_app(read_only=True)
    app.actions = NoActions()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        bindings = app.screen.active_bindings
        assert bindings["k"].enabled is False and bindings["c"].enabled is False
        await pilot.press("k", "c")
        assert not isinstance(app.screen, ConfirmScreen)
        # the palette and any other path go through confirm_action, which refuses too
        app.current_pane.action_terminate()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("read-only" in n.message for n in app._notifications)
        await pilot.press("5")
        assert app.screen.active_bindings["v"].enabled is False
        assert app.screen.active_bindings["e"].enabled is True     # pgstattuple only reads


async def test_resize_to_80_columns_merges_state_and_wait():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        table = app.current_pane.table
        assert {"state", "wait", "user"} <= {c.key for c in table.shown_cols}
        await pilot.press("down")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        shown = {c.key for c in table.shown_cols}
        assert "sw" in shown and "wait" not in shown and "user" not in shown
        assert app.current_pane.selected_key == "102"
        assert isinstance(table, KeyedTable) and table.row_count > 0


async def test_filter_box_shows_what_is_typed_on_screen():
    for size in ((80, 24), (120, 40)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            app.show_frame(FRAMES[-1])
            await pilot.press("slash")
            await pilot.pause()
            assert any("e.g. db:shop" in line for line in screen_text(app)), size   # the placeholder
            await pilot.press(*"app:demo")
            await pilot.pause()
            lines = screen_text(app)
            assert len(lines) == size[1]
            assert any("app:demo" in line for line in lines), (size, lines[-6:])


async def test_sort_by_age_orders_active_and_idle_sessions_by_the_age_shown():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("i", "s")
        options = app.screen.query_one("OptionList")
        options.highlighted = [o.id for o in options.options].index("age")
        await pilot.press("enter")
        pane = app.current_pane
        ages = [pane._objects[k] for k in order(app)]
        shown = [b.query_age_s if b.state == "active" else b.state_age_s for b in ages]
        present = [a for a in shown if a is not None]
        assert present == sorted(present, reverse=True) and shown[:len(present)] == present
        assert order(app)[:2] == ["105", "101"]      # idle 5 min, idle in transaction 1m38s, then active


async def test_detail_panel_shows_the_statement_before_its_leading_comments_and_enter_shows_all():
    from dataclasses import replace
    tags = "".join(f"-- tag {i}: controller=orders action=pay trace=abc{i}\n" for i in range(6))
    last = FRAMES[-1]
    backends = tuple(replace(b, query=tags + "UPDATE orders SET status = 'paid' WHERE id = 42") if b.pid == 101 else b
                     for b in last.connections.backends)
    frame = replace(last, connections=replace(last.connections, backends=backends))
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_frame(frame)
        await pilot.pause()
        assert app.current_pane.selected_key == "101"
        screen = "\n".join(screen_text(app))
        panel = screen[screen.index("Enter: all of it"):]
        assert "UPDATE orders SET status = 'paid'" in panel and "6 leading comment lines folded" in panel
        assert "tag 0" not in panel
        await pilot.press("enter")
        assert isinstance(app.screen, TextScreen)
        await pilot.pause()
        zoomed = "\n".join(screen_text(app))
        assert "-- tag 0: controller=orders" in zoomed and "UPDATE orders SET status" in zoomed
        assert "folded" not in zoomed


async def test_choices_are_marked_not_only_coloured():
    from pgconsole.ui.screens.load import LoadPanel
    from pgconsole.ui.screens.seed import SeedSetupScreen
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.show_frame(FRAMES[-1])
        await pilot.press("s")
        await pilot.pause()
        lines = screen_text(app)
        assert any("> transaction age  (now)" in line for line in lines)          # the sort in use
        await pilot.press("down")
        await pilot.pause()
        lines = screen_text(app)
        assert any("> query age" in line for line in lines)
        assert not any("> transaction age" in line for line in lines)
        assert any("  transaction age  (now)" in line for line in lines)
        await pilot.press("escape")
        # the seed form: the scenario under the cursor and the chosen mode
        app.push_screen(SeedSetupScreen())
        await pilot.pause()
        lines = screen_text(app)
        mode = next(line for line in lines if "truncate" in line and "append" in line)
        assert "▐●▌ new" in mode and "▐ ▌ truncate" in mode and "▐ ▌ append" in mode, mode
        assert sum(1 for line in lines if line.lstrip("│▊█ ").startswith("> ")) == 1
        await pilot.press("escape")
        # the load panel's checkbox: an X only when it is ticked
        panel = app.query_one(LoadPanel)
        panel.display = True
        await pilot.pause()
        box = app.query_one("#load-init")
        assert "▐X▌ init tables" in next(line for line in screen_text(app) if "init tables" in line)
        box.value = False
        await pilot.pause()
        assert "▐ ▌ init tables" in next(line for line in screen_text(app) if "init tables" in line)


class LocksCountingSource(CannedSource):
    """Canned frames whose locks_held answers, counting the reads per pid."""

    def __init__(self, frames):
        super().__init__(frames)
        self.reads: list[int] = []

    async def locks_held(self, pid):
        from pgconsole.snapshots import HeldLock
        self.reads.append(pid)
        return [HeldLock("transactionid", "ExclusiveLock", True, f"xid {pid}", None)]


async def test_detail_locks_read_again_only_once_the_session_ran_something():
    series = frames(40)
    source = LocksCountingSource(series)
    app = ConsoleApp(source, None, target="app@db:5432/shop", refresh_s=2.0, clock=fixed_clock(),
                     start_polling=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(series[0])
        await wait_for(pilot, lambda: app.current_pane.selected_key is not None)
        assert app.current_pane.selected_key == "101"          # idle in transaction, oldest first
        await wait_for(pilot, lambda: source.reads == [101])
        for f in series[1:20]:                                  # 38 s: it ran nothing
            app.show_frame(f)
            await pilot.pause(0.01)
        await pilot.pause(0.1)
        assert source.reads == [101]
        while app.current_pane.selected_key != "104":           # an active session: its locks move
            await pilot.press("down")
        await wait_for(pilot, lambda: source.reads[-1:] == [104])
        before = len(source.reads)
        for f in series[20:35]:
            app.show_frame(f)
            await pilot.pause(0.01)
        await wait_for(pilot, lambda: len(source.reads) >= before + 2)   # every 5 refreshes


async def test_repaints_take_the_direct_path_on_this_textual():
    """DirectLines.refresh reaches into Textual's private parts to skip two messages a repaint;
    on a Textual where they moved it falls back to Textual's path, and this test says so."""
    from pgconsole.ui.widgets.styled import DirectLines
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for f in FRAMES:
            app.show_frame(f)
            await pilot.pause(0.01)
        assert any("UPDATE orders SET status" in line for line in screen_text(app))
    assert DirectLines._direct_repaint


async def test_selecting_a_session_without_a_statements_entry_reads_pg_stat_statements_now():
    """Hidden, pg_stat_statements is read once a minute; a session selected whose statement it
    has no entry for asks for a read at once, at most every 15 s."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(FRAMES[-1])
        asked: list = []
        app.poller.refresh_now = lambda views=(): asked.append(frozenset(views))
        assert app.current_pane.selected_key == "101"   # query_id 11: has its entry
        await pilot.press("down")
        assert app.current_pane.selected_key == "102"   # query_id 12: none
        await pilot.pause()
        assert asked == [frozenset({"statements"})]
        await pilot.press("up", "down")                 # again within 15 s: no second read
        await pilot.pause()
        assert asked == [frozenset({"statements"})]
        app._statements_asked -= 15
        await pilot.press("up")                         # 101 has its entry: nothing to ask
        await pilot.pause()
        assert asked == [frozenset({"statements"})]
        await pilot.press("down")
        await pilot.pause()
        assert asked == [frozenset({"statements"})] * 2
