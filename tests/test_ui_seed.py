"""Seeding from the console against the suite's real server: the palette flow, the
summary, a refused second run, cancel (nothing committed) and --read-only."""

from __future__ import annotations

import asyncio

import asyncpg

from pgconsole.actions import ActionSession
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.screens.seed import SeedScreen, SeedSetupScreen
from textual.widgets import Input, OptionList

SCENARIO = "saas"   # the smallest shipped scenario


def console(params, **kw) -> ConsoleApp:
    return ConsoleApp(None, ActionSession(params), target=params.describe(), start_polling=False, **kw)


async def wait_for(pilot, cond, timeout: float = 15.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        await pilot.pause(0.05)


async def open_form(app, pilot, scale: str) -> SeedSetupScreen:
    await pilot.press("ctrl+p")
    await pilot.press(*"seed a scenario")
    await wait_for(pilot, lambda: "Seed a scenario" in str(app.screen.query_one(OptionList).get_option_at_index(0).prompt)
                   if app.screen.query(OptionList) else False, what="the palette hit")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, SeedSetupScreen), what="the seed form")
    form = app.screen
    names = [s.name for s in form.scenarios]
    form.query_one(OptionList).highlighted = names.index(SCENARIO)
    scale_input = form.query_one("#seed-scale", Input)
    scale_input.value = scale
    scale_input.focus()
    return form


async def tables(params) -> dict[str, int]:
    conn = await asyncpg.connect(**params.asyncpg_kwargs())
    try:
        out = {}
        for r in await conn.fetch("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = relnamespace "
                                  "WHERE nspname = 'public' AND relkind = 'r'"):
            out[r["relname"]] = await conn.fetchval(f'SELECT count(*) FROM public."{r["relname"]}"')
        return out
    finally:
        await conn.close()


async def test_seed_through_the_palette_then_a_refused_second_run(fresh_db):
    app = console(fresh_db)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await open_form(app, pilot, "0.002")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SeedScreen), what="the progress screen")
            screen = app.screen
            await wait_for(pilot, lambda: screen.finished, what="the seed to finish")
            assert screen.summary is not None and screen.error is None
            assert "seeded saas" in str(screen.query_one(".seed-now").render())
            await pilot.press("escape")
            assert not isinstance(app.screen, SeedScreen)
            counts = await tables(fresh_db)
            assert counts and all(n > 0 for n in counts.values())
            assert sum(counts.values()) == screen.summary.rows
            # mode "new" refuses tables that have rows: said in the screen, no crash
            await open_form(app, pilot, "0.002")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SeedScreen), what="the progress screen")
            screen = app.screen
            await wait_for(pilot, lambda: screen.finished, what="the refusal")
            assert screen.summary is None and screen.error
            assert await tables(fresh_db) == counts
            await pilot.press("escape")
    finally:
        await app.actions.close()


async def test_cancel_rolls_back_everything(fresh_db, monkeypatch):
    # the run is faster than a key press can be timed: stop it (what `c` does) at its first rows
    seen = SeedScreen.on_progress

    def on_progress(self, p):
        seen(self, p)
        if p.rows_done:
            self.action_stop()

    monkeypatch.setattr(SeedScreen, "on_progress", on_progress)
    app = console(fresh_db)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await open_form(app, pilot, "0.05")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SeedScreen), what="the progress screen")
            screen = app.screen
            assert screen.active_bindings["c"].binding.action == "stop"
            await wait_for(pilot, lambda: screen.finished, what="the cancel")
            assert screen.summary is None and "nothing was committed" in screen.error
            assert "nothing was committed" in str(screen.query_one(".seed-now").render())
            await pilot.press("escape")
            assert not isinstance(app.screen, SeedScreen)
            assert await tables(fresh_db) == {}
    finally:
        await app.actions.close()


async def test_read_only_refuses_seeding(fresh_db):
    app = console(fresh_db, read_only=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            assert app.screen.active_bindings["ctrl+s"].enabled is False
            await pilot.press("ctrl+s")
            assert not isinstance(app.screen, SeedSetupScreen)
            app.action_seed()
            await pilot.pause()
            assert not isinstance(app.screen, SeedSetupScreen)
            assert any("read-only" in n.message for n in app._notifications)
    finally:
        await app.actions.close()
