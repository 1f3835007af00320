"""The console as a user reads it at 80x24 and 120x40 (canned frames, rendered screen
text): footers and sub-headers fit, names are not cut where there is room."""

from __future__ import annotations

from dataclasses import replace

from screen_text import screen_text
from ui_canned import CannedSource, fixed_clock, frames

from pgconsole.ui import keys
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.messages import Link, LinkChanged

FRAMES = frames()
PANE_KEYS = "123456"


def make_app(**kw) -> ConsoleApp:
    return ConsoleApp(CannedSource(FRAMES), None, target="app@db.example.com:5432/shop", refresh_s=2.0,
                      clock=fixed_clock(), start_polling=False, **kw)


async def every_pane(app: ConsoleApp, pilot, frame=None) -> dict[str, list[str]]:
    """Each pane's screen, by number key."""
    for f in FRAMES:
        app.show_frame(f)
    if frame is not None:
        app.show_frame(frame)
    app.on_link_changed(LinkChanged(Link("live")))
    screens = {}
    for k in PANE_KEYS:
        await pilot.press(k)
        await pilot.pause()
        screens[k] = screen_text(app)
    return screens


def footer_entries() -> set[str]:
    return {f"{k.display or k.key.split(',')[0]} {k.label}" for k in keys.KEYS if k.show}


async def test_footers_and_sub_headers_fit_80_columns():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screens = await every_pane(app, pilot)
    whole = footer_entries()
    for k, lines in screens.items():
        footer = lines[-1].rstrip()
        assert footer.endswith("^p palette"), (k, footer)
        left = footer[:footer.rindex("▏")].rstrip()
        assert any(left.endswith(e) for e in whole), (k, footer)    # the last entry is whole
        assert "? Help" in left, (k, footer)                        # where the rest is
    for k in "35":          # Cache, Bloat: one status line, then the table's header
        assert screens[k][4].split()[0] == "table", (k, screens[k][3:5])
    # with room, the key hints come back
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screens = await every_pane(app, pilot)
    assert "L Load" in screens["2"][-1] and "t: indexes" in screens["5"][3]


async def test_connections_db_column_shows_the_whole_name_at_120_columns():
    last = FRAMES[-1]
    backends = tuple(replace(b, datname="pgconsole_demo") if b.pid == 101 else b for b in last.connections.backends)
    frame = replace(last, connections=replace(last.connections, backends=backends))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.show_frame(frame)
        await pilot.pause()
        row = next(line for line in screen_text(app) if line.startswith(" 101 "))
    assert " pgconsole_demo " in row
