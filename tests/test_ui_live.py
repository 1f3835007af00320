"""The console against the suite's real server: a real blocked backend cancelled and
terminated through the keys, statements reset and EXPLAIN, VACUUM with progress, and
reconnection after the console's session is killed or the server restarts."""

from __future__ import annotations

import asyncio
import os
import signal

import asyncpg
import pytest
from screen_text import screen_text

from pgconsole.actions import ActionSession
from pgconsole.monitor import Monitor
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.screens.confirm import ConfirmScreen
from pgconsole.ui.screens.text import TextScreen
from pgconsole.ui.screens.vacuum import VacuumScreen


def console(params, **kw) -> ConsoleApp:
    return ConsoleApp(Monitor(params), ActionSession(params), target=params.describe(), refresh_s=0.5,
                      poll_timeout_s=15, **kw)


async def wait_for(pilot, cond, timeout: float = 15.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        await pilot.pause(0.05)


async def close(app: ConsoleApp) -> None:
    await app.source.close()
    await app.actions.close()


def node_pids(app) -> set[int]:
    locks = app.frame.locks if app.frame else None
    return {n.pid for n in getattr(locks, "nodes", ())}


async def test_cancel_then_terminate_a_blocked_backend_with_the_keys(fresh_db):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    holder = await asyncpg.connect(**fresh_db.asyncpg_kwargs(), server_settings={"application_name": "holder"})
    waiter = await asyncpg.connect(**fresh_db.asyncpg_kwargs(), server_settings={"application_name": "waiter"})
    app = console(fresh_db)
    try:
        await admin.execute("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)")
        await holder.execute("BEGIN; SELECT * FROM t WHERE id = 1 FOR UPDATE")
        blocked = asyncio.create_task(waiter.execute("UPDATE t SET id = id WHERE id = 1"))
        hpid, wpid = holder.get_server_pid(), waiter.get_server_pid()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: {hpid, wpid} <= node_pids(app), what="the lock tree")
            await pilot.press("2")
            assert app.current_pane.selected_key == str(hpid)        # root blocker first
            await pilot.press("down")
            assert app.current_pane.selected_key == str(wpid)
            await pilot.press("c")
            assert isinstance(app.screen, ConfirmScreen) and str(wpid) in str(app.screen.body)
            await pilot.press("y")
            with pytest.raises(asyncpg.QueryCanceledError):
                await asyncio.wait_for(blocked, 10)
            # the holder is still idle in its transaction: terminate it from Connections
            await pilot.press("1")
            await wait_for(pilot, lambda: app.current_pane.table.select_key(str(hpid)), what="holder row")
            await pilot.press("k")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_for(pilot, lambda: any("terminated" in n.message for n in app._notifications),
                           what="the terminate notification")
            assert await admin.fetchval("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)", hpid)
            await wait_for(pilot, lambda: str(hpid) not in app.current_pane.table.ordered_keys,
                           what="the row to go")
    finally:
        await close(app)
        for c in (admin, holder, waiter):
            if not c.is_closed():
                c.terminate()


async def test_reconnects_when_its_session_is_terminated(pg_params):
    admin = await asyncpg.connect(**pg_params.asyncpg_kwargs())
    app = console(pg_params)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.frame is not None, what="a first frame")
            first_pid = app.frame.own_pid
            await admin.execute("SELECT pg_terminate_backend($1)", first_pid)
            # the data core reopens the session at the next poll (or after a ConnectionLost
            # and the banner, if the poll was running when it died)
            await wait_for(pilot, lambda: app.frame.own_pid != first_pid and not app.query_one("#banner").display,
                           what="frames from a new session")
            assert app.poller.link.state == "live"
            assert app.current_pane.table.row_count > 0
            assert any("reconnected as" in n.message for n in app._notifications)
    finally:
        await close(app)
        await admin.close()


async def test_reconnects_after_a_server_restart(pg_cluster, pg_params):
    app = console(pg_params)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.frame is not None, what="a first frame")
            seq, first_pid = app.frame.seq, app.frame.own_pid
            # pg_ctl restart keeps the options of the running server: same port, same socket
            # (LocalCluster.restart() would move the socket the other tests' fixtures use)
            r = await asyncio.to_thread(pg_cluster._run, [
                "pg_ctl", "-D", str(pg_cluster.data_dir), "-l", str(pg_cluster.root / "server.log"),
                "-m", "fast", "-w", "restart"], 90)
            assert r.returncode == 0, r.stderr
            await wait_for(pilot, lambda: app.frame.own_pid != first_pid, timeout=30, what="frames after restart")
            assert app.poller.link.state == "live" and app.frame.seq > seq
            assert not app.query_one("#banner").display
            for key in "2345":       # every pane comes back with data or its own message
                await pilot.press(key)
                assert app.current_pane.drawn_seq == app.frame.seq
    finally:
        await close(app)


async def test_a_frozen_server_reads_stalled_then_says_when_it_answers_again(pg_params):
    # the monitoring session's backend frozen (SIGSTOP) is what a frozen server is to the
    # console: nothing answers, nothing closes. Only that backend: the suite's server runs on.
    app = console(pg_params)
    app.poller.stall_min_s = 1.0      # overdue after 3 refreshes of 0.5 s
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: app.frame is not None, what="a first frame")
            assert "LIVE" in screen_text(app)[0]
            pid = app.frame.own_pid
            os.kill(pid, signal.SIGSTOP)
            try:
                await wait_for(pilot, lambda: app.poller.link.state == "stalled", timeout=5, what="stalled")
                await pilot.pause(1.1)
                header = screen_text(app)[0]
            finally:
                os.kill(pid, signal.SIGCONT)
            assert "LIVE" not in header and "STALLED" in header, header
            assert "the server has not answered" in header and f"/{pg_params.database} " in header, header
            await wait_for(pilot, lambda: app.poller.link.state == "live", timeout=10, what="live again")
            await pilot.pause()
            assert "LIVE" in screen_text(app)[0]
            assert any("the server answers again" in n.message for n in app._notifications)
            assert app.frame.own_pid == pid      # the same session: it was slow, not gone
    finally:
        await close(app)


async def test_statements_explain_and_reset(fresh_db, pg_version):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    app = console(fresh_db)
    try:
        await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE TABLE pets (id int PRIMARY KEY)")
        for i in range(3):
            await admin.fetch("SELECT * FROM pets WHERE id = $1", i)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            await wait_for(pilot, lambda: app.current_pane.table.row_count > 0, what="statements")
            pane = app.current_pane
            await pilot.press("slash", *"from pets", "enter")
            await wait_for(pilot, lambda: pane.selected is not None and "pets" in (pane.selected.query or ""),
                           what="the pets statement")
            await pilot.press("e")
            if pg_version >= 160000:
                await wait_for(pilot, lambda: isinstance(app.screen, TextScreen),
                               what=f"the plan {[n.message for n in app._notifications]}")
                assert "GENERIC_PLAN" in str(app.screen.title_text)
                assert "pets" in str(app.screen.body.renderables[2])
                await pilot.press("escape")
            else:
                await wait_for(pilot, lambda: any("16 or later" in n.message for n in app._notifications),
                               what="the unavailable notice")
            await pilot.press("R")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait_for(pilot, lambda: any("reset" in n.message for n in app._notifications),
                           what="the reset notification")
    finally:
        await close(app)
        await admin.close()


async def test_vacuum_analyze_the_selected_table_with_progress(fresh_db, pg_version):
    admin = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    app = console(fresh_db)
    try:
        await admin.execute('CREATE TABLE "Junk Items" WITH (autovacuum_enabled = off) AS '
                            "SELECT g AS id, repeat('x', 100) AS pad FROM generate_series(1, 20000) g; "
                            'DELETE FROM "Junk Items" WHERE id % 2 = 0; ANALYZE "Junk Items"')
        if pg_version >= 150000:
            await admin.execute("SELECT pg_stat_force_next_flush()")   # dead tuples visible now
        else:
            await asyncio.sleep(1.0)   # the stats collector's delay
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("5")

            def junk():
                return next((k for k, r in app.current_pane._objects.items()
                             if r.relname == "Junk Items" and r.n_dead_tup > 0), None)

            await wait_for(pilot, lambda: junk() is not None, what="the junk table with dead tuples")
            app.current_pane.table.select_key(junk())
            await pilot.press("v")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            assert isinstance(app.screen, VacuumScreen)
            screen = app.screen
            await wait_for(pilot, lambda: screen.finished, timeout=30, what="the end of VACUUM")
            report = screen.report
            assert report is not None and report.results[0].status == "done"
            assert report.results[0].after.dead_tuples < report.results[0].before.dead_tuples
            await pilot.pause()
            done = next(line for line in screen_text(app) if " done " in line)
            assert 'public."Junk Items" dead' in done      # the name as SQL reads it, on its line
            await pilot.press("escape")
            assert not isinstance(app.screen, VacuumScreen)
    finally:
        await close(app)
        await admin.close()
