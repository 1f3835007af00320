"""The detail panel under the table: everything about the selected row.

A fixed-height panel that repaints only its changed lines (no layout pass on every
refresh, which would cost more than the rest of a frame); what does not fit is cut, with a hint:
Enter or z opens the whole detail in a scrollable screen.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text

from .lines import TextLines

EMPTY = Text("select a row", style="dim")


class DetailPanel(TextLines):
    DEFAULT_CSS = """
    DetailPanel { height: 35%; min-height: 5; max-height: 18; border-top: solid $primary;
                  padding: 0 1; overflow: hidden; border-title-align: right; border-title-color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.border_title = "Enter: all of it · d: hide"

    def show(self, body: RenderableType | None) -> None:
        self.update(body if body is not None else EMPTY)
