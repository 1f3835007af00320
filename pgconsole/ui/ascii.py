"""--ascii: every glyph on the screen as ASCII, for terminals that mangle Unicode.

The console's own choices come first (an ASCII sparkline ramp, `-` tree lines, `v ^`
sort arrows); this line filter catches the rest wherever it is drawn, by the console
or by Textual (box borders, the footer's rule, scrollbars, buttons, radio buttons,
progress bars, `…` where a cell is cut, `·` between notes): one cell for one cell, so
no layout moves. Letters are left alone: a table named `Ünï` keeps its name.
"""

from __future__ import annotations

import unicodedata

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

EXPLICIT = {
    "…": "~", "·": "|", "•": "*", "—": "-", "–": "-", "→": ">", "←": "<", "↑": "^", "↓": "v",
    "▲": "^", "▼": "v", "▶": ">", "◀": "<", "►": ">", "◄": "<", "●": "*", "○": "o", "◉": "*",
    "✓": "+", "✔": "+", "✗": "x", "✘": "x", "Δ": "d", "░": ".", "▒": ":", "▓": "#",
}


def _drawing(ch: str) -> str | None:
    """Box drawing (U+2500..257F) and block elements (U+2580..259F) by their shape."""
    name = unicodedata.name(ch, "")
    if "BOX DRAWINGS" in name:
        if "DIAGONAL" in name:
            return "/" if "UPPER RIGHT TO LOWER LEFT" in name else "\\"
        if " AND " in name:          # corners, tees, crosses
            return "+"
        horizontal = "HORIZONTAL" in name or name.endswith((" LEFT", " RIGHT"))
        vertical = "VERTICAL" in name or name.endswith((" UP", " DOWN"))
        if horizontal and not vertical:
            return "-"
        if vertical and not horizontal:
            return "|"
        return "+"
    if "BLOCK" in name or "QUADRANT" in name:
        if "QUADRANT" in name:
            return "+"
        if "LOWER ONE EIGHTH" in name:
            return "_"
        if "LEFT" in name or "RIGHT" in name or "FULL" in name:
            return "|"
        return "-"
    return None


def _table() -> dict[int, str]:
    table = {ord(k): v for k, v in EXPLICIT.items()}
    for code in range(0x2500, 0x25A0):
        ascii_ = _drawing(chr(code))
        if ascii_ is not None:
            table.setdefault(code, ascii_)
    return table


ASCII_GLYPHS = _table()


def to_ascii(text: str) -> str:
    return text.translate(ASCII_GLYPHS)


class AsciiGlyphs(LineFilter):
    """The last filter of every line: glyphs to ASCII (styles untouched)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [seg if seg.control or seg.text.isascii() else Segment(to_ascii(seg.text), seg.style, seg.control)
                for seg in segments]
