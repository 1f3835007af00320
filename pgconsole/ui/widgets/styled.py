"""Widget colours computed once per style change, and lines handed to the compositor
without Textual's per-line styling pass when the widget's CSS asks for none of it.

`rich_style` and `background_colors` walk every ancestor and blend their colours each
time they are read; Textual reads them on every repaint of every widget, and a console
refreshing each second repaints a few lines of several widgets. They change only when
the styles of the widget or of one of its ancestors change (focus, theme, CSS), which
each node's `styles._cache_key` counts, so that is the key kept with the result.
"""

from __future__ import annotations

from typing import Self

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.dom import NoScreen
from textual.geometry import Region, Size
from textual.renderables.blank import Blank
from textual.strip import Strip
from textual.widget import Widget


class CachedStyles(Widget):
    _pass_key: tuple | None = None   # set while a render pass runs: styles cannot change in it

    def _style_key(self) -> tuple:
        if self._pass_key is not None:
            return self._pass_key
        return tuple((id(node), node.styles._cache_key) for node in self.ancestors_with_self)

    def _cached(self, name: str, compute):
        key = self._style_key()
        cached = self.__dict__.get(name)
        if cached is None or cached[0] != key:
            cached = self.__dict__[name] = (key, compute())
        return cached[1]

    @property
    def rich_style(self) -> Style:
        return self._cached("_pgc_rich_style", lambda: Widget.rich_style.fget(self))

    @property
    def background_colors(self) -> tuple[Color, Color]:
        return self._cached("_pgc_background", lambda: Widget.background_colors.fget(self))

    def _plain_box(self) -> tuple[int, int, int, Style] | None:
        """(top border rows, left padding, right padding, padding style) when the CSS asks
        for no per-line styling pass: no outline, tint, opacity or vertical padding, and
        at most a top border (drawn by Textual, kept as one line)."""
        return self._cached("_pgc_plain_box", self._compute_plain_box)

    def _compute_plain_box(self) -> tuple[int, int, int, Style] | None:
        styles = self.styles
        top, right, bottom, left = styles.padding
        (border_top, _), *sides = styles.border
        if (top or bottom or any(kind for kind, _ in sides) or any(kind for kind, _ in styles.outline)
                or styles.tint.a or self.opacity != 1.0 or styles.text_opacity != 1.0
                or (styles.has_rule("hatch") and styles.hatch != "none")):
            return None
        base, background = self.background_colors
        return (1 if border_top else 0), left, right, Style(bgcolor=(base + background).rich_color)

    def _render_size(self) -> Size:
        """`size` while the compositor renders this widget (so it is on screen): the outer
        size less padding, border and scrollbars, without `size`'s lookup of the widget's
        region in the screen's map (a dozen calls per line otherwise)."""
        width, height = self.outer_size
        gutter = self.styles.gutter
        width -= gutter.width + self.scrollbar_size_vertical
        height -= gutter.height + self.scrollbar_size_horizontal
        return Size(max(width, 0), max(height, 0))

    def _component(self, name: str) -> Style:
        """get_component_rich_style once per change of the widget's or the component's own
        styles (Textual's cache of it is cleared on every refresh, i.e. every frame)."""
        key = (self._style_key(), self._component_styles[name]._cache_key)
        cache = self.__dict__.setdefault("_pgc_components", {})
        cached = cache.get(name)
        if cached is None or cached[0] != key:
            cached = cache[name] = (key, self.get_component_rich_style(name))
        return cached[1]


class DirectLines(CachedStyles):
    """`render_lines` from the widget's own line strips, each kept until it is marked dirty.

    Textual's styles cache wraps every repainted line in a new Strip to apply borders,
    padding, tint and opacity, then runs the app's colour filter over that new strip,
    and it walks every line of the widget whenever the compositor asks, which it does
    for every widget under the rectangle that bounds all of a frame's changed lines
    (header at the top, detail at the bottom: all of them). For a widget with no
    outline, tint, opacity or vertical padding that is identity work: here a line is
    made (the widget's strip, its horizontal padding, the filter; a top border drawn by
    Textual) only when `refresh` marked it dirty or the styles, width or filters
    changed, and otherwise handed back as it was. Anything else takes Textual's path.
    """

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_key = self._style_key()   # the ancestors' styles, read once a pass
        try:
            box = self._plain_box()
            if box is None or self._border_subtitle is not None or (self._border_title is not None and not box[0]):
                self._begin_pass()
                try:
                    return super().render_lines(crop)
                finally:
                    self._end_pass()
            return self._direct_lines(crop, *box)
        finally:
            self._pass_key = None

    _direct_repaint = True   # False once a Textual without the private parts it uses was met

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        """A repaint straight into the screen's set of dirty widgets.

        Textual's path for a repaint is two messages and two task wake-ups: a Prompt to the
        widget's own queue, whose idle handler posts an Update to the screen, whose handler
        adds the widget to the screen's dirty set and prompts the screen. Each frame repaints
        a few widgets (header, table, status line, detail), and those messages were a good
        part of a frame's cost. When nothing but a repaint is pending, this does what the
        two handlers would do, now; anything else (a layout, styles, scrolling, a widget
        not on screen yet) takes Textual's own path."""
        if not DirectLines._direct_repaint or layout or recompose or not repaint:
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        try:
            if (not self._is_mounted or self._closing or self._parent is None or self._layout_required
                    or self._scroll_required or self._refresh_styles_required or self._repaint_required):
                return super().refresh(*regions, repaint=repaint)
            screen = self.screen
            self._layout_cache.clear()
            self._set_dirty(*regions)
            self.clear_cached_dimensions()
            self._rich_style_cache.clear()
            if self.display and screen in screen._compositor:
                screen._dirty_widgets.add(self)
                screen.check_idle()
            return self
        except NoScreen:
            return super().refresh(*regions, repaint=repaint)
        except AttributeError:
            # a Textual whose private parts moved: its own path from now on (pinned <9; the UI
            # tests fail on the fast path's absence, not the console)
            DirectLines._direct_repaint = False
            return super().refresh(*regions, repaint=repaint)

    def _set_dirty(self, *regions: Region) -> None:
        super()._set_dirty(*regions)
        lines = self.__dict__.get("_pgc_lines")
        if not lines:
            return
        if not regions:
            lines.clear()
            return
        top = self.styles.gutter.top   # regions are content-relative, lines widget-relative
        for region in regions:
            for y in range(region.y + top, region.bottom + top):
                lines.pop(y, None)

    def _direct_lines(self, crop: Region, border: int, left: int, right: int, pad_style: Style) -> list[Strip]:
        width = self._render_size().width
        full = width + left + right
        filters = tuple(self.get_line_filters())
        key = (self._pass_key, width, left, right, filters, self._border_title)
        lines: dict[int, Strip] = self.__dict__.setdefault("_pgc_lines", {})
        if self.__dict__.get("_pgc_lines_key") != key:
            lines.clear()
            self.__dict__["_pgc_lines_key"] = key
        missing = [y for y in crop.line_range if y not in lines]
        if missing:
            background = self.background_colors[1]
            self._begin_pass()
            try:
                for y in missing:
                    if y < border:
                        strip = Widget.render_lines(self, Region(0, y, full, 1))[0]   # filtered already
                    else:
                        strip = self.render_line(y - border)
                        if left or right:
                            line = strip.adjust_cell_length(width, pad_style)
                            strip = Strip([Segment(" " * left, pad_style), *line,
                                           Segment(" " * right, pad_style)], full)
                        if filters:
                            # the filters chained on the segments, one Strip at the end: what
                            # apply_filter does a filter at a time, less a Strip (and its seven
                            # caches) per filter for a line that is made once and kept
                            segments = list(strip)
                            for line_filter in filters:
                                segments = line_filter.apply(segments, background)
                            strip = Strip(segments, strip.cell_length)
                    lines[y] = strip
            finally:
                self._end_pass()
        strips = [lines[y] for y in crop.line_range]
        if crop.x or crop.width != full:
            strips = [strip.crop(crop.x, crop.right) for strip in strips]
        return strips

    def _begin_pass(self) -> None:
        """Look up what every line of this pass needs (subclasses)."""

    def _end_pass(self) -> None:
        """Forget it again."""


class SolidLines(CachedStyles):
    """For containers: every line of their own is the same blank line, so it is made
    once (through Textual's own path, filters included) and handed out for every line
    the compositor asks for, instead of going through the styles cache line by line
    on every frame for an area that their children cover anyway."""

    def render_lines(self, crop: Region) -> list[Strip]:
        self._pass_key = style_key = self._style_key()
        try:
            width = self.outer_size.width   # on screen: its region's width
            key = (style_key, width, tuple(self.get_line_filters()))
            cached = self.__dict__.get("_pgc_solid")
            if cached is None or cached[0] != key:
                box = self._plain_box()
                solid = box is not None and not any(box[:3]) and isinstance(self.render(), Blank)
                line = super().render_lines(Region(0, 0, width, 1))[0] if solid else None
                cached = self.__dict__["_pgc_solid"] = (key, line)
            line = cached[1]
            if line is None:
                return super().render_lines(crop)
            if crop.x or crop.width != width:
                line = line.crop(crop.x, crop.right)
            return [line] * crop.height
        finally:
            self._pass_key = None
