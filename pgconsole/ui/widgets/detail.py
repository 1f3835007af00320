"""The detail panel under the table: everything about the selected row."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    DetailPanel { height: 35%; min-height: 5; max-height: 18; border-top: solid $primary;
                  padding: 0 1; scrollbar-size-vertical: 1; }
    """

    def compose(self):
        yield Static(Text("select a row", style="dim"), id="detail-body")

    def show(self, body: RenderableType | None) -> None:
        self.query_one("#detail-body", Static).update(body if body is not None else
                                                      Text("select a row", style="dim"))
