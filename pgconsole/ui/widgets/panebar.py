"""One line naming the panes with their number keys; the shown one highlighted, badges
(sessions waiting on locks…) visible from any pane."""

from __future__ import annotations

from rich.text import Text

from .lines import TextLines


class PaneBar(TextLines):
    DEFAULT_CSS = """
    PaneBar { height: 1; padding: 0 1; background: $boost; }
    """

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.entries: list[tuple[str, str, str]] = []   # (pane id, title, short)
        self.current = ""
        self.badges: dict[str, tuple[str, str]] = {}

    def set_panes(self, entries: list[tuple[str, str, str]], current: str) -> None:
        self.entries, self.current = entries, current
        self.redraw()

    def set_current(self, current: str) -> None:
        self.current = current
        self.redraw()

    def set_badges(self, badges: dict[str, tuple[str, str]]) -> None:
        if badges != self.badges:
            self.badges = badges
            self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        width = self.size.width or 120
        full = sum(len(t) + 6 for _, t, _ in self.entries) <= width
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (pid, title, short) in enumerate(self.entries, 1):
            on = pid == self.current
            t.append(f" {i} ", style="bold reverse" if on else "bold cyan")
            t.append(f"{title if full else short}", style="bold reverse" if on else "")
            badge = self.badges.get(pid)
            if badge:
                t.append(f" {badge[0]}", style=badge[1])
            t.append(" ")
        self.update(t)
