"""The detail panel under the table: everything about the selected row.

A fixed-height panel that repaints only its changed lines (no layout pass on every
refresh, which would cost more than the rest of a frame); what does not fit is cut, with a hint:
Enter or z opens the whole detail in a scrollable screen.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from .lines import TextLines

EMPTY = Text("select a row", style="dim")


class Folded(Text):
    """A part of a detail shown shortened in the panel; `full` is what Enter shows."""

    full: Text


def _folded(short: Text, full: Text) -> Folded:
    f = Folded()
    f.append_text(short)
    f.full = full
    return f


def comment_end(sql: str) -> int:
    """Where a statement starts after its leading blanks, `--` lines and `/* */` blocks
    (nested, as PostgreSQL reads them); 0 when there is nothing but comments."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace():
            i += 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                step = sql[i:i + 2]
                depth += 1 if step == "/*" else -1 if step == "*/" else 0
                i += 2 if step in ("/*", "*/") else 1
        else:
            return i
    return 0


def query_parts(heading: str, sql: str | None, missing: str) -> list[Text]:
    """A heading and a statement for the detail panel: leading comment lines (an ORM's or a
    tracer's tags) are folded so the statement itself shows first; Enter shows them all."""
    if not sql:
        return [Text(heading, style="dim underline"), Text(missing, style="dim")]
    start = comment_end(sql)
    prefix = sql[:start].strip()
    if not prefix or "\n" not in sql[:start]:    # no comment, or one on the statement's own line
        return [Text(heading, style="dim underline"), Text(sql)]
    comments = prefix.count("\n") + 1
    note = f"  {comments} leading comment line{'s' if comments > 1 else ''} folded: Enter shows them"
    head = Text.assemble((heading, "dim underline"), (note, "dim"))
    return [_folded(head, Text(heading, style="dim underline")), _folded(Text(sql[start:]), Text(sql))]


def unfold(body: RenderableType | None) -> RenderableType | None:
    """The detail with its folded parts whole again (the full-screen view)."""
    if isinstance(body, Folded):
        return body.full
    if isinstance(body, Group):
        return Group(*(unfold(r) for r in body.renderables))
    return body


class DetailPanel(TextLines):
    DEFAULT_CSS = """
    DetailPanel { height: 35%; min-height: 5; max-height: 18; border-top: solid $primary;
                  padding: 0 1; overflow: hidden; border-title-align: right; border-title-color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.border_title = "Enter: all of it · d: hide"

    def show(self, body: RenderableType | None) -> None:
        self.update(body if body is not None else EMPTY)
