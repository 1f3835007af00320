"""The `/` filter prompt: one line at the bottom, Enter applies, Escape keeps the old filter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from ..widgets.safe import SafeStatic as Static


class FilterScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="filter.cancel")]
    DEFAULT_CSS = """
    FilterScreen { align: center bottom; background: $background 30%; }
    FilterScreen > Vertical { height: auto; width: 100%; background: $surface; padding: 0 1;
                              border-top: solid $accent; }
    FilterScreen .filter-hint { color: $text-muted; height: auto; }
    FilterScreen Input { padding: 0; }
    """

    def __init__(self, pane_title: str, current: str, fields: tuple[str, ...]) -> None:
        super().__init__()
        self.pane_title = pane_title
        self.current = current
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical():
            names = " ".join(f"{f}:" for f in self.fields)
            yield Static(f"filter {self.pane_title}: words match anywhere; {names} one field; -word excludes."
                         " Enter applies, empty clears, Esc cancels.", classes="filter-hint")
            # compact: the bordered Input's own focus style wins over a plain `border: none`, and
            # at height 1 its two border rows left no row for the text
            yield Input(value=self.current, placeholder="e.g. db:shop state:idle lock", id="filter-input",
                        compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
