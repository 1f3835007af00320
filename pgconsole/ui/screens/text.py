"""A scrollable full-screen view of one text: a row's detail, an EXPLAIN plan."""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from ..widgets.safe import SafeStatic as Static


class TextScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,z,enter", "close", "Close", id="text.close")]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > Vertical { width: 100%; height: 100%; border: thick $accent; background: $surface;
                            padding: 0 1; }
    TextScreen .text-title { text-style: bold; height: 1; }
    TextScreen .text-hint { color: $text-muted; height: 1; }
    TextScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, title: str, body: RenderableType) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="text-title")
            with VerticalScroll():
                yield Static(self.body)
            yield Static("arrows / PgUp / PgDn scroll · Esc closes", classes="text-hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
