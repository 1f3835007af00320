"""SVG snapshots of the console from canned frames at fixed time (120x40 and 80x24).

Update after an intended change with `pytest tests/test_ui_snapshots.py --snapshot-update`
and look at the files in tests/snapshots/ before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_textual_snapshot import SVGImageExtension
from textual._doc import take_svg_screenshot
from ui_canned import fixed_clock, frames

from pgconsole.ui.app import ConsoleApp
from pgconsole.ui.messages import Link, LinkChanged


class ConsoleSVG(SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location) -> str:
        return str(Path(test_location.filepath).parent / "snapshots" / Path(test_location.filepath).stem)


def shot(size: tuple[int, int], keys: tuple[str, ...] = (), unavailable: bool = False,
         link: Link | None = None, read_only: bool = False) -> str:
    app = ConsoleApp(None, None, target="app@db.example.com:5432/shop", refresh_s=2.0, clock=fixed_clock(),
                     read_only=read_only)

    async def feed(pilot) -> None:
        for f in frames(statements_unavailable=unavailable):
            app.show_frame(f)
        app.on_link_changed(LinkChanged(link or Link("live")))
        await pilot.pause()
        for k in keys:
            await pilot.press(k)
        await pilot.pause()

    return take_svg_screenshot(app=app, terminal_size=size, run_before=feed)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_connections(snapshot, size):
    assert snapshot(extension_class=ConsoleSVG) == shot(size, keys=("i",))


def test_locks_80x24(snapshot):
    assert snapshot(extension_class=ConsoleSVG) == shot((80, 24), keys=("2",))


def test_statements_unavailable_while_reconnecting_80x24(snapshot):
    link = Link("reconnecting", "connection refused to app@db.example.com:5432/shop", attempt=3, retry_in=2.0)
    assert snapshot(extension_class=ConsoleSVG) == shot((80, 24), keys=("4",), unavailable=True, link=link)


def test_bloat_read_only_120x40(snapshot):
    assert snapshot(extension_class=ConsoleSVG) == shot((120, 40), keys=("5",), read_only=True)
