"""`?`: every key, from the same registry as the bindings, the footer and the palette."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from ..widgets.safe import SafeStatic as Static

from .. import keys


def _key_text(k: keys.Key) -> str:
    return k.display or " ".join(part for part in k.key.split(","))


def help_renderable(panes: list[tuple[str, str]], read_only: bool, number_keys: list[keys.Key]) -> Group:
    """panes: (pane_id, title) in number-key order."""
    parts = []

    def table(title: str, items: list[keys.Key]) -> None:
        t = Table(title=title, title_justify="left", title_style="bold", show_header=False, box=None,
                  padding=(0, 1), expand=False)
        t.add_column("key", style="bold cyan", no_wrap=True, min_width=7)
        t.add_column("what")
        for k in items:
            what = Text(k.help)
            if k.writes and read_only:
                what = Text(f"{k.help} — disabled by --read-only", style="dim strike")
            t.add_row(_key_text(k), what)
        parts.append(t)
        parts.append(Text(""))

    table("Everywhere", keys.for_scope("console") + number_keys)
    table("In time (rewind in the live console, replay)", keys.for_scope("time"))
    table("In every pane", keys.for_scope("pane"))
    for pane_id, title in panes:
        items = keys.for_scope(pane_id)
        if items:
            table(title, items)
    parts.append(Text("Also: arrows / PgUp / PgDn / Home / End move in a table, Enter opens the detail, "
                      "Ctrl+P opens the command palette (every action by name).", style="dim"))
    parts.append(Text("Actions that change the server are confirmed first and run on a separate session.",
                      style="dim"))
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 90; max-width: 100%; height: 100%; max-height: 100%;
                            border: thick $accent; background: $surface; padding: 0 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    HelpScreen .help-hint { color: $text-muted; height: 1; }
    """

    def __init__(self, body: Group) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(self.body)
            yield Static("Esc or ? closes", classes="help-hint")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
