"""Pick the sort column of a pane from a list (keyboard: arrows and Enter)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList

from ..widgets.safe import SafeStatic as Static
from textual.widgets.option_list import Option

from ..widgets.marked import MarkedOptionList


class SortScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="sort.cancel")]
    DEFAULT_CSS = """
    SortScreen { align: center middle; }
    SortScreen > Vertical { width: 50; max-width: 95%; height: auto; max-height: 90%;
                            border: thick $accent; background: $surface; padding: 0 1; }
    SortScreen OptionList { height: auto; max-height: 18; }
    """

    def __init__(self, pane_title: str, options: dict[str, str], current: str | None) -> None:
        super().__init__()
        self.pane_title = pane_title
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Sort {self.pane_title} by (S reverses)")
            yield MarkedOptionList(*[Option(f"{label}{'  (now)' if key == self.current else ''}", id=key)
                                     for key, label in self.options.items()], compact=True)

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        keys = list(self.options)
        ol.highlighted = keys.index(self.current) if self.current in keys else 0
        ol.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
