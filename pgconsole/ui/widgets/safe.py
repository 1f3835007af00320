"""Static and Label that never read markup and show control characters as escapes, and the
last line filter that keeps any control character left from reaching the terminal.

Textual parses a string given to Static, Label or notify() as content markup (`[/x]`
raises, `[link=...]` makes a hyperlink) and passes ESC, BEL and bidi controls to the
terminal as they are. Every widget of the console that shows text takes these classes
(tests/test_untrusted_paths.py checks that no module imports Textual's own), and the app
overrides notify() the same way (ConsoleApp.notify).
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter
from textual.widgets import Label, Static

from ...untrusted import safe_renderable

# what the terminal would act on and Rich counts as zero cells wide: removing it keeps
# every line's width (visible() has shown it as an escape before, on every known path)
_EMITTED = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


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
    boundary missed is dropped, never written to the terminal."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        for seg in segments:
            text = seg.text
            if seg.control is None and not text.isprintable() and _EMITTED.search(text):
                break
        else:
            return segments
        return [seg if seg.control is not None else Segment(_EMITTED.sub("", seg.text), seg.style)
                for seg in segments]
