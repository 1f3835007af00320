"""The Load panel against the suite's real server: pgbench (init at scale 1) runs in a
docked panel while the panes keep their keys, stops with X, and leaves no process;
--read-only refuses it."""

from __future__ import annotations

import asyncio
import os

from pgconsole.actions import ActionSession
from pgconsole.monitor import Monitor
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.screens.load import LoadPanel

from test_ui_live import close, console, wait_for


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie not yet reaped counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):   # reaped between the two looks
        return False


async def test_load_runs_pgbench_beside_the_live_panes_and_stops(fresh_db):
    app = console(fresh_db)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            panel = app.query_one(LoadPanel)
            assert not panel.display
            await pilot.press("L")
            assert panel.display
            for sel, value in (("#load-clients", "2"), ("#load-duration", "30")):
                panel.query_one(sel).value = value
            await pilot.click("#load-start")
            await pilot.press("2")                       # pane keys still work during the run
            assert app.current_pane.pane_id == "locks"
            await wait_for(pilot, lambda: len(panel.samples) >= 2, timeout=12, what="two TPS samples")
            pid = panel.run_obj.pid
            assert pid is not None and alive(pid)
            assert panel.samples[-1].tps > 0
            assert "tps" in str(panel.query_one("#load-status").render())
            await pilot.press("L")                       # hiding the panel leaves the run going
            assert not panel.display and panel.running
            await pilot.press("X")
            await wait_for(pilot, lambda: panel.phase == "finished", timeout=8, what="the run to stop")
            assert not alive(pid)
            assert any("interrupted" in n.message for n in app._notifications)
    finally:
        await close(app)


async def test_quitting_kills_a_running_load(fresh_db):
    app = console(fresh_db)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            panel = app.query_one(LoadPanel)
            await pilot.press("L")
            await pilot.click("#load-start")
            await wait_for(pilot, lambda: panel.run_obj is not None and panel.run_obj.pid is not None,
                           timeout=12, what="pgbench to start")
            pid = panel.run_obj.pid
        # killed on the way out; the signal lands a moment later
        for _ in range(100):
            if not alive(pid):
                break
            await asyncio.sleep(0.05)
        assert not alive(pid)
    finally:
        await close(app)


async def test_read_only_refuses_load(fresh_db):
    app = ConsoleApp(Monitor(fresh_db), ActionSession(fresh_db), target=fresh_db.describe(), refresh_s=0.5,
                     read_only=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("L")
            assert not app.query_one(LoadPanel).display
            app.action_load()
            await pilot.pause()
            assert any("disabled by --read-only" in n.message for n in app._notifications)
            assert app.check_action("load", ()) is None
    finally:
        await close(app)


async def test_missing_tables_without_init_is_a_notification(fresh_db):
    app = console(fresh_db)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            panel = app.query_one(LoadPanel)
            await pilot.press("L")
            panel.query_one("#load-init").value = False
            await pilot.click("#load-start")
            await wait_for(pilot, lambda: any("no pgbench tables" in n.message for n in app._notifications),
                           timeout=10, what="the error notification")
            assert panel.phase == "idle" and app.is_running
    finally:
        await close(app)
