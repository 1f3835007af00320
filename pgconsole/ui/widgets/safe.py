"""Static and Label that never read markup and show control characters as escapes, and the
last line filter that keeps any control character left from reaching the terminal.

Textual parses a string given to Static, Label or notify() as content markup (`[/x]`
raises, `[link=...]` makes a hyperlink) and passes ESC, BEL and bidi controls to the
terminal as they are. Every widget of the console that shows text takes these classes
(tests/test_untrusted.py checks that no module imports Textual's own), and the app
overrides notify() the same way (ConsoleApp.notify).
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.widgets import Label, Static

from ...untrusted import CONTROL, safe_renderable


class SafeStatic(Static):
    def __init__(self, content="", **kw) -> None:
        kw["markup"] = False
        super().__init__(safe_renderable(content), **kw)

    def update(self, content="", *, layout: bool = True) -> None:
        super().update(safe_renderable(content), layout=layout)


class SafeLabel(Label):
    def __init__(self, content="", **kw) -> None:
        kw["markup"] = False
        super().__init__(safe_renderable(content), **kw)

    def update(self, content="", *, layout: bool = True) -> None:
        super().update(safe_renderable(content), layout=layout)


class NoControlCharacters(LineFilter):
    """The backstop: a control character that reached a rendered line by a path the
    boundary missed is dropped, never written to the terminal. (Rich counts them zero
    cells wide: dropping one keeps the line's width.)"""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        for seg in segments:
            text = seg.text
            if seg.control is None and not text.isprintable() and CONTROL.search(text):
                break
        else:
            return segments
        return [seg if seg.control is not None else Segment(CONTROL.sub("", seg.text), seg.style)
                for seg in segments]
