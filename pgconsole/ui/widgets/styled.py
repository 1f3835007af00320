"""Widget colours computed once per style change instead of once per repaint.

`rich_style` and `background_colors` walk every ancestor and blend their colours each
time they are read; Textual reads them on every repaint of every widget, and a console
refreshing each second repaints a few lines of several widgets. They change only when
the styles of the widget or of one of its ancestors change (focus, theme, CSS), which
each node's `styles._cache_key` counts, so that is the key kept with the result.
"""

from __future__ import annotations

from rich.style import Style
from textual.color import Color
from textual.widget import Widget


class CachedStyles(Widget):
    def _style_key(self) -> tuple:
        return tuple((id(node), node.styles._cache_key) for node in self.ancestors_with_self)

    @property
    def rich_style(self) -> Style:
        key = self._style_key()
        cached = self.__dict__.get("_pgc_rich_style")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_pgc_rich_style"] = (key, super().rich_style)
        return cached[1]

    @property
    def background_colors(self) -> tuple[Color, Color]:
        key = self._style_key()
        cached = self.__dict__.get("_pgc_background")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_pgc_background"] = (key, super().background_colors)
        return cached[1]
