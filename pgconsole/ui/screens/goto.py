"""The `g` prompt of replay: a time to jump to (03:12, -15m, +30s, an ISO time)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from ..widgets.safe import SafeStatic as Static


class GotoScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="goto.cancel")]
    DEFAULT_CSS = """
    GotoScreen { align: center bottom; background: $background 30%; }
    GotoScreen > Vertical { height: auto; width: 100%; background: $surface; padding: 0 1;
                            border-top: solid $accent; }
    GotoScreen .goto-hint { color: $text-muted; height: auto; }
    GotoScreen Input { padding: 0; }
    """

    def __init__(self, first: str, last: str) -> None:
        super().__init__()
        self.first, self.last = first, last

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"jump to: 03:12 (time of day), -15m / +30s (from the moment shown), or "
                         f"2026-11-22T03:12. Recorded {self.first} – {self.last}. Esc cancels.",
                         classes="goto-hint")
            yield Input(placeholder="e.g. 03:12 or -15m", id="goto-input", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
