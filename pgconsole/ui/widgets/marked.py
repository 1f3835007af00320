"""Choices whose state shows without colour. Textual draws a radio button's dot and a
checkbox's X whether chosen or not, and an option list's highlighted row only in
another colour: a monochrome terminal, a colour-blind user or a printed screenshot
lose which one is chosen. These add the mark (`●`, `X`, `>`); `--ascii` makes `●` `*`."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Checkbox, OptionList, RadioButton


class _Marked:
    MARK = "X"
    value: bool

    @property
    def _button(self):
        self.BUTTON_INNER = self.MARK if self.value else " "
        return super()._button  # type: ignore[misc]


class MarkedRadioButton(_Marked, RadioButton):
    MARK = "\u25cf"


class MarkedCheckbox(_Marked, Checkbox):
    MARK = "X"


class MarkedOptionList(OptionList):
    """An OptionList whose highlighted option also starts with `>`."""

    _bases: list | None = None

    def _marked(self, prompt, on: bool):
        lead = "> " if on else "  "
        return Text.assemble(lead, prompt) if isinstance(prompt, Text) else f"{lead}{prompt}"

    def watch_highlighted(self, highlighted: int | None) -> None:
        if self._bases is None or len(self._bases) != self.option_count:
            self._bases = [o.prompt for o in self.options]
        for i, base in enumerate(self._bases):
            self.replace_option_prompt_at_index(i, self._marked(base, i == highlighted))
        super().watch_highlighted(highlighted)
