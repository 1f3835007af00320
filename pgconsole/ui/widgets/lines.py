"""A text block on Textual's line API that repaints only the lines that changed.

Static re-renders and re-styles all of its lines on every update; the header, the
pane status lines and the detail panel get a new renderable every refresh in which
one figure or age moved, so most of that work redrew what was already on screen.
Here the renderable is rendered to strips once, compared line by line with what is
shown, and only the lines that differ are marked dirty. The height is the CSS's:
what does not fit is cut (the detail panel says so; Enter opens it all).
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip

from ...untrusted import safe_text, visible
from .styled import DirectLines


class TextLines(DirectLines):
    DEFAULT_CSS = """
    TextLines { height: auto; }
    """

    def __init__(self, renderable: RenderableType = "", **kw) -> None:
        super().__init__(**kw)
        self._renderable: RenderableType = renderable
        self._lines: list[list[Segment]] = []
        self._width = 0
        self._pass: tuple[int, Style] | None = None
        self._sig: tuple | None = None
        self._parts: dict[tuple, list] = {}

    def render(self) -> RenderableType:
        """For tests and screenshots that read the text back (a group of Texts as one)."""
        parts = _parts(self._renderable)
        if len(parts) > 1 and all(isinstance(p, Text) for p in parts):
            return Text("\n").join(parts)
        return self._renderable

    def update(self, renderable: RenderableType = "") -> None:
        sig = _signature(renderable)
        if sig is not None and sig == self._sig:
            return   # the same text again (most status lines, most frames): nothing to do
        self._renderable, self._sig = renderable, sig
        self._rerender()

    def on_resize(self) -> None:
        # (Textual also runs a subclass's own on_resize: each class in the MRO gets the event)
        self._rerender(full=True)

    def on_mount(self) -> None:
        self._rerender(full=True)

    def _rerender(self, full: bool = False) -> None:
        width, height = self.size
        if not width or not self.is_attached:
            return
        reuse = self._parts if not full and width == self._width else None
        lines, self._parts = render_lines(self.app.console, self._renderable, width, reuse)
        old, self._lines = self._lines, lines
        if full or width != self._width:
            self._width = width
            self.refresh()
            return
        dirty = []
        for y in range(min(max(len(old), len(lines)), height)):
            if y >= len(old) or y >= len(lines) or old[y] != lines[y]:
                dirty.append(Region(0, y, width, 1))
        if dirty:
            self.refresh(*dirty)   # one refresh: each call also schedules an idle check

    def _begin_pass(self) -> None:
        # looked up once a pass, not once a line (rich_style walks the DOM, size the screen's map)
        self._pass = (self._render_size().width, self.rich_style)

    def _end_pass(self) -> None:
        self._pass = None

    def render_line(self, y: int) -> Strip:
        # asked for only when the line is dirty (DirectLines and Textual's styles cache both
        # keep the finished lines), so nothing is kept here
        width, base = self._pass or (self.size.width, self.rich_style)
        segments = list(Segment.apply_style(self._lines[y], style=base)) if y < len(self._lines) else []
        return fit_strip(segments, width, base)


def fit_strip(segments: list[Segment], width: int, fill: Style) -> Strip:
    """One Strip exactly `width` cells wide (a Strip is costly to make: each carries seven
    caches, and crop_extend would make two or three on the way)."""
    length = Segment.get_line_length(segments)
    if length > width:
        return Strip(segments, length).crop(0, width)
    if length < width:
        segments.append(Segment(" " * (width - length), fill))
    return Strip(segments, width)


class Flow(Text):
    """A line of items ("label value", two spaces apart) that wraps between items, never
    inside one: "xmin age 197" goes to the next line whole, not as "xmin" and "age 197".
    (Elsewhere, e.g. the full-screen view, it is a plain Text.)"""


_ITEM = re.compile(r" {2,}(?=\S)")   # two spaces or more before an item


def flow_wrap(console: Console, line: Text, width: int) -> list[Text]:
    """A one-line Flow cut at item gaps into pieces of at most `width` cells; an item wider
    than that is word-wrapped on its own."""
    plain = line.plain
    starts = [0] + [m.end() for m in _ITEM.finditer(plain)]
    ends = starts[1:] + [len(plain)]
    cuts, begin = [], 0
    for start, end in zip(starts[1:], ends[1:]):
        if cell_len(plain[begin:end].rstrip()) > width:
            cuts.append(start)
            begin = start
    out: list[Text] = []
    for piece in line.divide(cuts):
        piece.rstrip()
        out.extend(piece.wrap(console, width) if piece.cell_len > width else [piece])
    return out


def _part_sig(part: Text) -> tuple:
    return (type(part), part.plain, str(part.style), tuple(part.spans), part.no_wrap, part.overflow)


def _parts(renderable: RenderableType) -> list:
    """A renderable as its parts, groups within groups flattened."""
    if isinstance(renderable, str):
        return [Text(renderable)]
    if not isinstance(renderable, Group):
        return [renderable]
    return [p for r in renderable.renderables for p in _parts(r)]


def _signature(renderable: RenderableType) -> tuple | None:
    """What a Text (or a group of Texts) shows, part by part; None for anything else."""
    parts = _parts(renderable)
    if not all(isinstance(p, Text) for p in parts):
        return None
    return tuple(_part_sig(p) for p in parts)


Lines = list[list[Segment]]


def render_lines(console: Console, renderable: RenderableType, width: int,
                 cache: dict[tuple, Lines] | None = None) -> tuple[Lines, dict[tuple, Lines]]:
    """Lines of segments, and the lines of each part by its signature (pass that back as
    `cache` for the next update at this width: the parts that did not change, such as a
    long statement text under a line of ticking ages, are not rendered again). Text and
    groups of Text take a short path: Rich's general one wraps every line through its
    word-wrapping machinery, about 2 ms a call for a header that fits its width anyway."""
    parts = _parts(renderable)
    if not all(isinstance(p, Text) for p in parts):
        lines = console.render_lines(renderable, console.options.update(width=width, height=None), pad=False)
        return [[seg if seg.control else Segment(visible(seg.text), seg.style) for seg in line]
                for line in lines], {}
    out: Lines = []
    rendered: dict[tuple, Lines] = {}
    for part in parts:
        key = _part_sig(part)
        lines = rendered.get(key) or (cache.get(key) if cache else None)
        if lines is None:
            lines = _render_text(console, part, width)
        rendered[key] = lines
        out.extend(lines)
    return out, rendered


def _render_text(console: Console, part: Text, width: int) -> Lines:
    get_style = console.get_style
    flow = isinstance(part, Flow)
    part = safe_text(part)   # server text: control characters shown, never sent (newlines kept)
    out: Lines = []
    for line in part.split("\n", allow_blank=True):
        pieces = [line]
        if line.cell_len > width:
            if part.no_wrap:
                line.truncate(width, overflow=part.overflow or "crop")
            elif flow:
                pieces = flow_wrap(console, line, width)
            else:
                pieces = line.wrap(console, width)
        for piece in pieces:
            out.append(text_segments(console, piece, get_style(piece.style)))
    return out


def text_segments(console: Console, line: Text, base: Style) -> list[Segment]:
    """A one-line Text's segments under `base` (its own style). Text built by appending has spans in order and not overlapping:
    those are cut here in one pass (what Text.render yields for them, without its
    per-boundary sort and style stack: most of the header's cost, whose sparkline line has
    twenty spans and changes every second); anything else goes through Text.render."""
    plain = line.plain
    spans = [span for span in line.spans if span.end > span.start]
    pos = 0
    for span in spans:
        if span.start < pos or span.end > len(plain):
            return list(Segment.apply_style(line.render(console), base))
        pos = span.end
    out: list[Segment] = []
    pos = 0
    styles = _span_styles(console)
    # what Text.render + Segment.apply_style give between spans: the text's style, or no
    # style at all for a text without spans under a null style
    gap = base if (line.spans or base) else None
    for span in spans:
        if span.start > pos:
            out.append(Segment(plain[pos:span.start], gap))
        key = (base, span.style)
        style = styles.get(key)
        if style is None:
            if len(styles) > 512:
                styles.clear()
            style = base + console.get_style(span.style, default=Style.null())
            if not style.link:   # (a link's style is a copy with an id of its own each time)
                styles[key] = style
        out.append(Segment(plain[span.start:span.end], style))
        pos = span.end
    if pos < len(plain) or not out:
        out.append(Segment(plain[pos:], gap))
    return out


def _span_styles(console: Console) -> dict[tuple, Style]:
    """base + a span's style, by (base, the span's style): parsed and combined once per distinct
    pair and console (Rich looks the name up, parses and adds on every call: most of a line's
    cost for the header's pulse line, fifteen spans redrawn every refresh)."""
    cache: dict[tuple, Style] | None = console.__dict__.get("_pgc_span_styles")
    if cache is None:
        cache = console.__dict__["_pgc_span_styles"] = {}
    return cache
