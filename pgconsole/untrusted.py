"""The boundary for text that came from the server (or from anyone but pgconsole itself).

Names, statements, application names, error messages: a role with nothing but LOGIN
chooses them, and PostgreSQL lets them hold any character but NUL. On a terminal an
ESC starts a control sequence (clear the screen, leave the alternate screen, set the
window title, make a hyperlink), BEL rings, a bidi override reverses what follows; to
Rich and Textual `[...]` is markup (`[/x]` raises, `[link=...]` makes a hyperlink).

So every such string is shown through here once, where it enters the display:

- `visible(s)`: control characters (C0 with ESC, BEL, tab and newline, DEL, C1) and the
  invisible Unicode controls that reorder or break lines (bidi overrides, embeddings,
  isolates and marks, line and paragraph separators) become escapes such as `\\x1b`
  and `\\u202e`, readable and inert. With `multiline=True` a newline stays a newline,
  CRLF becomes one, and a tab becomes spaces.
- `safe_text(text)`: the same for a rich Text, keeping its styles.
- `SafeConsole`: a rich Console for the subcommands that never reads markup or emoji
  codes and shows every string (one line) and Text (newlines kept) it renders through
  `visible`: tables, titles, captions and live views included.
- `say(...)`: print() for a line of plain text.

- `md_text(s)`, `md_code(s)`, `md_fence(s)`: for a Markdown document, where `<img ...>` is
  HTML, `[x](url)` a link, `*x*` emphasis, `|` a table cell and `# ` a heading: text with
  every character Markdown reads backslash-escaped, a code span or fenced block whose
  fence is longer than any backtick run inside.

Where it applies (one place per output path): the console's table cells (KeyedTable) and
text lines (TextLines: header, status lines, detail panel), its SafeStatic / SafeLabel
widgets and notify(), with a last line filter as a backstop (ui/widgets/safe.py); every
command's SafeConsole and say(); the error line (cli); the Markdown and HTML reports
(report.render; the Markdown one's text and code also through md_*, in render_md). JSON
output keeps exact values: json.dumps escapes control characters itself.
tests/test_untrusted.py fails on a new path that bypasses these. No Textual here.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.segment import Segment
    from rich.text import Text

# besides C0 (tab and newline included): DEL, C1, the Arabic letter mark, LRM/RLM, line and
# paragraph separators, bidi embeddings/overrides and isolates
_INVISIBLE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ONE_LINE = CONTROL = re.compile(f"[\x00-\x1f{_INVISIBLE}]")
_MULTI_LINE = re.compile(f"\r\n|[\x00-\x09\x0b-\x1f{_INVISIBLE}]")   # newline kept
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
TAB = "    "


def _escape(ch: str) -> str:
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _multi(match: re.Match[str]) -> str:
    s = match.group()
    if s == "\r\n":
        return "\n"
    if s == "\t":
        return TAB
    return _escape(s)


def _one(match: re.Match[str]) -> str:
    return _escape(match.group())


def visible(s: Any, multiline: bool = False) -> str:
    """`s` (any value: str() of it) with every control character shown as an escape."""
    if s is None:
        return ""
    text = s if isinstance(s, str) else str(s)
    if text.isprintable():
        return text
    if multiline:
        return _MULTI_LINE.sub(_multi, text)
    return _ONE_LINE.sub(_one, text)


def safe_text(text: "Text", multiline: bool = True) -> "Text":
    """A Text whose plain string is `visible`, with its spans carried over (the same
    Text when there is nothing to change)."""
    plain = text.plain
    pattern = _MULTI_LINE if multiline else _ONE_LINE
    if plain.isprintable() or pattern.search(plain) is None:
        return text
    from rich.text import Text   # (rich is imported when it is used: `pgconsole --help` stays quick)
    replace = _multi if multiline else _one
    out = Text(style=text.style, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap,
               end=text.end, tab_size=text.tab_size)
    pos = 0
    for m in pattern.finditer(plain):
        if m.start() > pos:
            out.append_text(text[pos:m.start()])
        piece = text[m.start():m.end()]
        swapped = Text(replace(m))
        for span in piece.spans:
            swapped.stylize(span.style)
        out.append_text(swapped)
        pos = m.end()
    if pos < len(plain):
        out.append_text(text[pos:])
    return out


def safe_renderable(renderable: Any, multiline: bool = True) -> Any:
    """A str becomes a Text (never markup), a Text or a group of them is made safe;
    anything else is left to SafeConsole or the UI's last line filter."""
    from rich.console import Group
    from rich.text import Text
    if isinstance(renderable, str):
        return Text(visible(renderable, multiline))
    if isinstance(renderable, Text):
        return safe_text(renderable, multiline)
    if isinstance(renderable, Group):
        parts = [safe_renderable(r, multiline) for r in renderable.renderables]
        if all(a is b for a, b in zip(parts, renderable.renderables)):
            return renderable
        return Group(*parts, fit=renderable.fit)
    return renderable


def _safe_console_class() -> type[Console]:
    from rich.console import Console
    from rich.text import Text

    class SafeConsole(Console):
        """A Console that shows text as it is: no markup, no :emoji: codes, every string it
        is given (to print, in a table cell, a title…) shown on one line through `visible`,
        and every Text (which may span lines: statements, plans) with its newlines kept."""

        def __init__(self, **kw: Any) -> None:
            kw["markup"] = False
            kw["emoji"] = False
            super().__init__(**kw)

        def render_str(self, text: str, **kw: Any) -> Text:
            kw["markup"] = False
            kw["emoji"] = False
            return super().render_str(visible(text), **kw)

        def render(self, renderable: Any, options: Any = None) -> Iterable[Segment]:
            if isinstance(renderable, Text):
                renderable = safe_text(renderable)
            return super().render(renderable, options)

    return SafeConsole


def __getattr__(name: str) -> type[Console]:
    # SafeConsole is made on first use, with rich (see safe_text)
    if name == "SafeConsole":
        cls = globals()["SafeConsole"] = _safe_console_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def say(*parts: Any, file: Any = None, flush: bool = False, sep: str = " ") -> None:
    """print() for plain lines that may quote the server: each part through `visible`."""
    print(sep.join(visible(p, multiline=True) for p in parts), file=file or sys.stdout, flush=flush)


def one_line(s: Any) -> str:
    """For a line that must stay one (an error line): newlines shown as `\\n` too."""
    return visible(s, multiline=False)



# -- Markdown ---------------------------------------------------------------------------------
# what Markdown (CommonMark, GFM) reads anywhere in a line: backslash escapes, code, emphasis,
# links and images, HTML and autolinks, entities, table cells, strikethrough, closing heading
# marks; `://`, `www.` and `@` start GFM's autolinks (markdown-it's linkify too)
_MD_INLINE = re.compile(r"[\\`*_\[\]()<>#|!~&@]|:(?=//)|(?<![^\W_])(?i:www)\.")
# what starts a block at the beginning of a line: list items, setext underlines, ordered lists
_MD_LEADING = re.compile(r"\A(\s*)(?:([-+=])(?=[-=\s]|\Z)|(\d{1,9})([.)])(?=\s|\Z))")


def _md_inline(match: re.Match[str]) -> str:
    s, i, ch = match.string, match.start(), match.group()
    if ch == "_" and 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum():
        return ch   # snake_case: an underscore between letters or digits never starts emphasis
    return ch[:-1] + "\\" + ch[-1] if len(ch) > 1 else "\\" + ch


def md_text(s: Any) -> str:
    """`s` as Markdown text that renders as exactly `s` (on one line: control characters
    and newlines shown as escapes, as `visible` shows them): no HTML, no link, no emphasis,
    no table cell break, no heading or list where it starts a line."""
    text = _MD_INLINE.sub(_md_inline, visible(s))
    m = _MD_LEADING.match(text)
    if m:
        text = (f"{m.group(1)}\\{m.group(2)}{text[m.end():]}" if m.group(2)
                else f"{m.group(1)}{m.group(3)}\\{m.group(4)}{text[m.end():]}")
    return text


def _md_fence_for(text: str, least: int) -> str:
    return "`" * max(least, max((len(run) for run in re.findall("`+", text)), default=0) + 1)


def md_code(s: Any, in_table: bool = False) -> str:
    """`s` as a Markdown code span (one line): fenced by more backticks than any run inside,
    padded where it starts or ends with a backtick or a space (CommonMark strips one of
    each); in a table cell `|` is escaped, as GFM reads it there even inside code."""
    text = visible(s)
    if not text:
        return ""
    if in_table:
        text = text.replace("|", "\\|")
    fence = _md_fence_for(text, 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fence(s: Any, info: str = "") -> list[str]:
    """`s` as the lines of a fenced code block, its fence longer than any backtick run in it
    (no line inside can close it); newlines kept, other control characters shown."""
    text = visible(s, multiline=True)
    fence = _md_fence_for(text, 3)
    return [fence + info, *text.split("\n"), fence]
