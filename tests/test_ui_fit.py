"""The console as a user reads it at 80x24 and 120x40 (canned frames, rendered screen
text), in --ascii mode: nothing but ASCII anywhere, footers and sub-headers that fit,
names not cut where there is room. One run per size: a pane switch costs a Pilot pause."""

from __future__ import annotations

from dataclasses import replace

from screen_text import screen_text
from ui_canned import CannedSource, fixed_clock, frames

from pgconsole.ui import keys
from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.messages import Link, LinkChanged

FRAMES = frames()


def with_demo_db(frame):
    """The last frame with session 101 in a database whose name is longer than 9 (and holding
    back xmin), public.customers named "Order Items" and audit.events "Events 2024" (names that
    need quotes to read as SQL reads them)."""
    backends = tuple(replace(b, datname="pgconsole_demo", xmin_age=197) if b.pid == 101 else b
                     for b in frame.connections.backends)
    names = {"customers": "Order Items", "events": "Events 2024"}

    def rename(x):
        return replace(x, relname=names.get(x.relname, x.relname))
    cache = replace(frame.cache, tables=tuple(replace(c, io=rename(c.io)) for c in frame.cache.tables),
                    indexes=tuple(replace(c, io=rename(c.io)) for c in frame.cache.indexes))
    bloat = replace(frame.bloat, tables=tuple(map(rename, frame.bloat.tables)),
                    indexes=tuple(map(rename, frame.bloat.indexes)))
    return replace(frame, connections=replace(frame.connections, backends=backends), cache=cache, bloat=bloat)


async def screens(size, modals: bool) -> dict[str, list[str]]:
    """Each pane's screen by number key (idle sessions shown), then the modals'."""
    app = ConsoleApp(CannedSource(FRAMES), None, target="app@db.example.com:5432/shop", refresh_s=2.0,
                     clock=fixed_clock(), start_polling=False, ascii=True)
    out = {}
    async with app.run_test(size=size) as pilot:
        for f in FRAMES[:-1]:
            app.show_frame(f)
        app.show_frame(with_demo_db(FRAMES[-1]))
        app.on_link_changed(LinkChanged(Link("live")))
        await pilot.press("i")
        for k in "123456":
            await pilot.press(k)
            await pilot.pause()
            out[k] = screen_text(app)
        if modals:
            await pilot.press("1")
            for press in ("question_mark", "s", "slash", "enter"):   # help, sort, filter, zoom
                await pilot.press(press)
                await pilot.pause()
                out[press] = screen_text(app)
                await pilot.press("escape")
    return out


def footer_left(lines: list[str]) -> str:
    footer = lines[-1].rstrip()
    assert footer.endswith("|^p palette"), footer
    return footer[:footer.rindex("|^p palette")].rstrip()


WHOLE = {f"{k.display or k.key.split(',')[0]} {k.label}" for k in keys.KEYS if k.show}


async def test_at_80x24_ascii_only_footers_and_sub_headers_fit():
    shown = await screens((80, 24), modals=True)
    for name, lines in shown.items():
        odd = {ch for line in lines for ch in line if not ch.isascii()}
        assert not odd, (name, odd, [line for line in lines if not line.isascii()][:3])
    for k in "123456":
        left = footer_left(shown[k])
        assert any(left.endswith(e) for e in WHOLE), (k, left)   # the last entry whole (was 'L Lo')
        assert "? Help" in left, (k, left)                       # where the rest of the keys are
    for k in "35":          # Cache, Bloat: one status line, then the table's header
        assert shown[k][4].split()[0] == "table", (k, shown[k][3:5])
        # names as SQL reads them, public left out in the table
        assert any(line.startswith(' "Order Items" ') for line in shown[k]), (k, shown[k])
        assert any(line.startswith(' audit."Events 2024" ') for line in shown[k]), (k, shown[k])
    assert any(line.startswith(' table audit."Events 2024"  (') for line in shown["5"]), shown["5"]   # detail
    # Findings: one status line, the catalog's state whole, then the table's header
    assert shown["6"][4].split()[0] == "sev" and "catalog: canned frames: no server" in shown["6"][3], shown["6"][3:5]
    # the detail's line of ages on one line, "xmin age" not cut from its value
    ages = next(line for line in shown["1"] if " xact " in line)
    assert "xmin age 197" in ages and ages.lstrip().startswith("idle in transaction ") and " conn " in ages, ages


async def test_at_120x40_ascii_only_key_hints_back_and_the_db_column_whole():
    shown = await screens((120, 40), modals=False)
    for name, lines in shown.items():
        assert all(line.isascii() for line in lines), name
    assert "L Load" in footer_left(shown["2"]) and "t: indexes" in shown["5"][3]
    row = next(line for line in shown["1"] if line.startswith(" 101 "))
    assert " pgconsole_demo " in row
