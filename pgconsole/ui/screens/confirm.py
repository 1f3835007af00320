"""The confirmation every action goes through: what will happen, to what, Yes / No.

"No" has the focus: Enter alone never runs a destructive action; `y` or Tab then
Enter does.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from ..widgets.safe import SafeStatic as Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 76; max-width: 95%; height: auto; max-height: 90%;
                               border: thick $warning; background: $surface; padding: 1 2; }
    ConfirmScreen.-danger > Vertical { border: thick $error; }
    ConfirmScreen .confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen .confirm-body { height: auto; max-height: 16; }
    ConfirmScreen Horizontal { height: 3; align: right middle; margin-top: 1; }
    ConfirmScreen Button { margin-left: 2; min-width: 10; }
    """

    def __init__(self, title: str, body: RenderableType, danger: bool = False, yes: str = "Yes") -> None:
        super().__init__(classes="-danger" if danger else "")
        self.title_text = title
        self.body = body
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="confirm-title")
            yield Static(self.body, classes="confirm-body")
            with Horizontal():
                yield Button(f"{self.yes} (y)", id="yes", variant="error" if self.has_class("-danger") else "primary")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
