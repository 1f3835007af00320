"""The timeline bar of replay and rewind: where the moment shown is in the recording, and
markers where lock waits, connection peaks, new findings and restarts happened.

    ▶ 4x 11:03:12 ├──L─────●───C──F──R─┤ 10:00:01–11:30:00

Only pgconsole's own text (times, glyphs): nothing from the server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text

from ...history.replay import MARKER_GLYPH, Marker
from .safe import SafeStatic as Static

MARKER_STYLE = {"lock": "bold red", "peak": "bold yellow", "finding": "bold magenta", "restart": "bold cyan"}


def clock(t: datetime) -> str:
    return t.astimezone().strftime("%H:%M:%S")


def _cell(first: datetime, span: float, width: int, t: datetime) -> int:
    return min(width - 1, max(0, int((t - first).total_seconds() / span * (width - 1) + 0.5)))


def marker_cells(first: datetime, last: datetime, markers: list[Marker], width: int,
                 ascii: bool = False) -> list[tuple[str, str]]:
    """The bar's cells without the moment shown (a day's markers are thousands: drawn once)."""
    width = max(width, 3)
    span = (last - first).total_seconds() or 1.0
    cells: list[tuple[str, str]] = [("-" if ascii else "─", "dim")] * width
    for m in markers:
        c = _cell(first, span, width, m.at)
        if cells[c][0] in ("-", "─") or m.kind == "lock":   # a lock wait wins a shared cell
            cells[c] = (MARKER_GLYPH[m.kind], MARKER_STYLE[m.kind])
    return cells


def bar(first: datetime, last: datetime, at: datetime, markers: list[Marker], width: int,
        ascii: bool = False, cells: list[tuple[str, str]] | None = None) -> Text:
    """The bar alone: `width` cells, the markers, the moment shown on top."""
    width = max(width, 3)
    cells = list(cells or marker_cells(first, last, markers, width, ascii))
    cells[_cell(first, (last - first).total_seconds() or 1.0, width, at)] = ("O" if ascii else "●", "bold reverse")
    t = Text()
    for ch, style in cells:
        t.append(ch, style=style)
    return t


class TimelineBar(Static):
    DEFAULT_CSS = """
    TimelineBar { height: 1; padding: 0 1; background: $boost; display: none; }
    """

    def __init__(self, ascii: bool = False, **kw: Any) -> None:
        super().__init__("", **kw)
        self.ascii = ascii
        self._cells: tuple[tuple[object, ...], list[tuple[str, str]]] | None = None
        self._last_args: tuple[tuple[Any, ...], dict[str, Any]] | None = None

    def on_resize(self) -> None:
        if self._last_args is not None:
            args, kw = self._last_args
            self.show(*args, **kw)

    def show(self, first: datetime, last: datetime, at: datetime, markers: list[Marker], *,
             playing: bool, speed: float, live_behind: bool) -> None:
        self._last_args = ((first, last, at, markers), dict(playing=playing, speed=speed, live_behind=live_behind))
        width = (self.size.width or self.app.size.width) - 2
        left = Text()
        left.append((">" if self.ascii else "▶") if playing else "||" if self.ascii else "⏸",
                    style="bold green" if playing else "bold")
        left.append(f" {speed:g}x " if playing else " ")
        left.append(clock(at), style="bold")
        left.append(" ")
        right = Text(f" {clock(first)}–{clock(last)}", style="dim")
        if live_behind:
            right = Text(" Esc: live", style="bold green")
        room = width - left.cell_len - right.cell_len - 2
        if room < 10:
            right = Text()
            room = width - left.cell_len - 2
        edge = ("|", "|") if self.ascii else ("├", "┤")
        key = (first, last, room, id(markers), len(markers))
        if self._cells is None or self._cells[0] != key:
            self._cells = (key, marker_cells(first, last, markers, room, self.ascii))
        line = Text.assemble(left, (edge[0], "dim"), bar(first, last, at, markers, room, self.ascii, self._cells[1]),
                             (edge[1], "dim"), right)
        line.truncate(max(width, 1))
        self.update(line, layout=False)     # one line, always: a repaint, never a layout
