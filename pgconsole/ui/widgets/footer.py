"""The footer: the pane's own keys always, the console's keys as far as they fit.

At 80 columns a pane with four keys of its own left the last console key cut in half
(`L Lo▏`). The console's keys are all in `?` and the command palette, so the footer
drops them, least needed first, until the line fits; `? Help` stays.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from .styled import SolidLines

# console keys the footer may leave out, the first one first (the help key never)
DROP_FIRST = ("load", "toggle_pause", "filter", "quit")


def key_width(w: FooterKey) -> int:
    """Cells of a compact footer key: key, space, label, then its margin (the palette
    key: its border instead of the margin)."""
    return len(w.key_display) + (1 + len(w.description) if w.description else 0) + 1


class ConsoleFooter(Footer, SolidLines):
    """SolidLines: docked, the footer's clip is the whole screen, so Textual's compositor asks
    for its line on every frame's update wherever the changes are (through the styles cache:
    ~2% of a frame); its keys, clipped to the footer, are not asked. Footer first: a widget's
    CSS type names follow its first base (with SolidLines first it lost dock and height)."""

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        width = self.size.width or self.app.size.width
        used = sum(key_width(w) for w in widgets if isinstance(w, FooterKey))
        for action in DROP_FIRST:
            if used <= width:
                break
            for w in widgets:
                if isinstance(w, FooterKey) and w.action == action:
                    widgets.remove(w)
                    used -= key_width(w)
                    break
        yield from widgets

    def on_resize(self) -> None:
        self.call_after_refresh(self.recompose)
