"""A keyed table on Textual's line API: rows updated in place by key, one line repainted
per changed row, the cursor staying on its row across refreshes and re-sorts.

Why not DataTable: it re-renders every visible cell whenever any cell changes (one
update counter for the whole table) and asks for a layout pass whenever the row count
changes; a console that refreshes every second with a few ages ticking paid ~14 ms a
frame for that plus a whole-screen layout. Here a row is rendered to a Strip once per
distinct content and the strip is kept; a frame that changes two rows repaints two
lines, and the screen is laid out again only when the scrollbar appears or goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from ... import fmt
from ...untrusted import safe_text, visible
from .lines import fit_strip, text_segments
from .styled import DirectLines

PADDING = 1  # blank cells on each side of every column


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int = 8
    flex: bool = False      # takes the width left over (one per table: query text, names)
    right: bool = False
    min_table: int = 0      # shown only when the table is at least this wide
    max_table: int = 10**6  # ... and at most this wide (a merged column for narrow screens)
    min_flex: int = 16


# A cell as given: a Text, a str, or a (text, style) pair (the cheap one: no Text made for
# a cell that changes every second); as kept: a pair, or a Text when it has spans.
Cells = Mapping[str, "Text | str | tuple[str, str | Style]"]
Cell = "tuple[str, str | Style] | Text"


class Row:
    """One row as shown: its cells for the shown columns, their signature, its strips."""

    __slots__ = ("key", "cells", "sig", "strips")

    def __init__(self, key: str) -> None:
        self.key = key
        self.cells: tuple[Cell, ...] = ()
        self.sig: tuple = ()
        self.strips: dict[tuple, Strip] = {}   # (width, cursor, styles) -> rendered line


def _sig(cell: Cell) -> tuple:
    if isinstance(cell, tuple):
        return cell
    return (cell.plain, str(cell.style), tuple(cell.spans))


class RowMessage(Message):
    """A row of a KeyedTable, by key (its two messages below)."""

    def __init__(self, table: "KeyedTable", key: str) -> None:
        super().__init__()
        self.table = table
        self.key = key

    @property
    def control(self) -> "KeyedTable":
        return self.table


class KeyedTable(DirectLines, ScrollView, can_focus=True):
    """A header line and keyed rows. `sync()` makes it show rows in a given order."""

    COMPONENT_CLASSES = {"keyed-table--header", "keyed-table--cursor"}
    DEFAULT_CSS = """
    KeyedTable {
        background: $surface; color: $foreground;
        overflow-x: hidden; overflow-y: auto; scrollbar-size-vertical: 1;
        &:focus { background-tint: $foreground 5%; }
        & > .keyed-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .keyed-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .keyed-table--cursor {
            background: $block-cursor-background; color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First row", show=False, id="table.first"),
        Binding("end", "last", "Last row", show=False, id="table.last"),
        Binding("enter", "select", "Open", show=False, id="table.select"),
    ]

    class RowHighlighted(RowMessage):
        """The cursor is on another row (moved, or its row went away)."""

    class RowSelected(RowMessage):
        """Enter (or a click) on the highlighted row."""

    def __init__(self, columns: list[Col], **kw) -> None:
        super().__init__(**kw)
        self.all_columns = columns
        self.shown_cols: tuple[Col, ...] = ()
        self.labels: dict[str, str] = {c.key: c.label for c in columns}
        self.rows: dict[str, Row] = {}            # shown rows by key (objects kept across frames)
        self._full: dict[str, Cells] = {}         # every row's cells as given (for a re-layout)
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._flex_width = 20
        self._header: tuple[tuple, Strip] | None = None
        self._blank: tuple[tuple, Strip] | None = None
        self.cursor_row = -1
        self._pass: tuple[int, Style, int] | None = None
        self._styles: dict[tuple, Style] = {}

    # -- layout ----------------------------------------------------------------
    def _choose(self, width: int) -> tuple[tuple[Col, ...], int]:
        cols = tuple(c for c in self.all_columns if c.min_table <= width <= c.max_table)
        fixed = sum(c.width + 2 * PADDING for c in cols if not c.flex)
        flex = [c for c in cols if c.flex]
        room = width - fixed - 1 - len(flex) * 2 * PADDING  # 1: the vertical scrollbar
        flex_w = max(room, max((c.min_flex for c in flex), default=0))
        return cols, flex_w

    def relayout(self, force: bool = False) -> None:
        width = self.size.width or (self.app.size.width if self.is_attached else 120)
        cols, flex_w = self._choose(width)
        if not force and cols == self.shown_cols and flex_w == self._flex_width:
            return
        self.shown_cols, self._flex_width = cols, flex_w
        self._header = None
        selected = self.selected_key
        rows = [(k, self._full[k]) for k in self._order if k in self._full]
        self.rows.clear()   # the cells depend on the columns: made again from what was given
        self._order = []
        self.sync(rows, selected=selected)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.relayout()

    def on_mount(self) -> None:
        self.relayout(force=True)

    def set_label(self, key: str, label: str) -> None:
        """Change a column title in place (sort arrows)."""
        if self.labels.get(key) == label:
            return
        self.labels[key] = label
        if any(c.key == key for c in self.shown_cols):
            self._header = None
            self.refresh(Region(0, 0, self.size.width, 1))

    # -- data ------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def ordered_keys(self) -> list[str]:
        return list(self._order)

    @property
    def selected_key(self) -> str | None:
        if 0 <= self.cursor_row < len(self._order):
            return self._order[self.cursor_row]
        return None

    def get_row_index(self, key: str) -> int | None:
        return self._index.get(key)

    def _cells(self, cells: Cells) -> tuple[Cell, ...]:
        """The shown columns' cells: a plain (text, style) pair unless the Text has spans."""
        out: list[Cell] = []
        for c in self.shown_cols:
            v = cells.get(c.key, "")
            if isinstance(v, str):
                v = (v, "")
            elif isinstance(v, Text):
                if not v.spans and "\n" not in v.plain:
                    v = (v.plain, v.style)
            if c.flex:
                v = (fmt.one_line(v[0] if isinstance(v, tuple) else v.plain, self._flex_width),
                     v[1] if isinstance(v, tuple) else v.style)
            out.append(v)
        return tuple(out)

    def sync(self, rows: Iterable[tuple[str, Cells]], selected: str | None = None) -> None:
        """Show `rows`, in this order, repainting only the lines whose content changed."""
        rows = list(rows)
        self._full = dict(rows)
        if not self.shown_cols:
            self._order = [k for k, _ in rows]
            return
        selected = selected if selected is not None else self.selected_key
        size = self.size   # a lookup in the screen's map: once a sync
        order = [k for k, _ in rows]
        moved = order != self._order
        before = self._order
        changed: list[str] = []
        kept: dict[str, Row] = {}
        for key, given in rows:
            row = self.rows.get(key)
            if row is None:
                row = Row(key)
            cells = self._cells(given)
            sig = tuple(_sig(c) for c in cells)
            if sig != row.sig:
                row.cells, row.sig = cells, sig
                row.strips.clear()
                changed.append(key)
            kept[key] = row
        self.rows = kept
        if moved:
            self._order = order
            self._index = {k: i for i, k in enumerate(order)}
        cursor = self._index.get(selected, -1) if selected is not None else -1
        if cursor < 0 and order:
            cursor = min(max(self.cursor_row, 0), len(order) - 1)
        old_cursor, self.cursor_row = self.cursor_row, cursor
        if moved:
            self._set_height(len(order), size)
        if cursor != old_cursor and cursor >= 0:
            self._scroll_to_cursor()
        self._refresh_changed(before, set(changed), old_cursor, size)
        now = self.selected_key
        if now is not None and now != selected:
            self.post_message(self.RowHighlighted(self, now))

    def _refresh_changed(self, before: list[str], changed: set[str], old_cursor: int, size: Size) -> None:
        """Mark dirty the shown lines whose row, content or cursor state differ."""
        top = int(self.scroll_y)
        order = self._order
        width, height = size
        moved_cursor = (old_cursor, self.cursor_row) if old_cursor != self.cursor_row else ()
        dirty = []
        for y in range(1, height):
            i = top + y - 1
            old = before[i] if i < len(before) else None
            new = order[i] if i < len(order) else None
            if old != new or new in changed or i in moved_cursor:
                dirty.append(Region(0, y, width, 1))
        if dirty:
            self.refresh(*dirty)   # one refresh: each call also schedules an idle check

    def _set_height(self, rows: int, size: Size) -> None:
        width, height = size
        virtual = Size(width, rows + 1)   # + the header line
        if virtual == self.virtual_size:
            return
        if not self.is_attached or (virtual.height > height) != (self.virtual_size.height > height):
            self.virtual_size = virtual            # the scrollbar comes or goes: a layout pass
        else:
            # same gutter: no layout needed, only the scrollbar's length and the lines
            self.set_reactive(Widget.virtual_size, virtual)
            self._scroll_update(virtual)

    def select_key(self, key: str) -> bool:
        idx = self._index.get(key)
        if idx is None:
            return False
        self.move_cursor(idx)
        return True

    # -- cursor ------------------------------------------------------------------
    def move_cursor(self, row: int, scroll: bool = True) -> None:
        if not self._order:
            return
        row = max(0, min(row, len(self._order) - 1))
        if row == self.cursor_row:
            return
        old, self.cursor_row = self.cursor_row, row
        self._refresh_row(old)
        self._refresh_row(row)
        if scroll:
            self._scroll_to_cursor()
        self.post_message(self.RowHighlighted(self, self._order[row]))

    def _page(self) -> int:
        return max(1, self.size.height - 2)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._order) - 1)

    def action_select(self) -> None:
        key = self.selected_key
        if key is not None:
            self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if event.y < 1 or not 0 <= row < len(self._order):
            return
        if row == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(row, scroll=False)

    def _scroll_to_cursor(self) -> None:
        visible = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False, immediate=True)

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_y) + 1
        if 0 <= index < len(self._order) and 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # -- rendering ---------------------------------------------------------------
    def _begin_pass(self) -> None:
        # what every line needs, looked up once a pass (size and rich_style walk the DOM)
        self._pass = (self._render_size().width, self.rich_style, int(self.scroll_y))

    def _end_pass(self) -> None:
        self._pass = None

    def render_line(self, y: int) -> Strip:
        width, base, top = self._pass or (self.size.width, self.rich_style, int(self.scroll_y))
        if y == 0:
            return self._header_strip(width, base)
        index = top + y - 1
        if not 0 <= index < len(self._order):
            if self._blank is None or self._blank[0] != (width, base):
                self._blank = ((width, base), Strip.blank(width, base))
            return self._blank[1]
        row = self.rows[self._order[index]]
        over = self._component("keyed-table--cursor") if index == self.cursor_row else None
        cache_key = (width, base, over)
        strip = row.strips.get(cache_key)
        if strip is None:
            strip = row.strips[cache_key] = self._strip(row.cells, width, base, over)
        return strip

    def _header_strip(self, width: int, base: Style) -> Strip:
        style = base + self._component("keyed-table--header")
        key = (width, style, tuple(self.labels.get(c.key, c.label) for c in self.shown_cols))
        if self._header is None or self._header[0] != key:
            labels = tuple(Text(label) for label in key[2])
            self._header = (key, self._strip(labels, width, style, None))
        return self._header[1]

    def _style(self, base: Style, style: str | Style) -> Style:
        """base + a cell's style, parsed and combined once per distinct pair."""
        key = (base, style)
        found = self._styles.get(key)
        if found is None:
            if len(self._styles) > 256:
                self._styles.clear()
            parsed = self.app.console.get_style(style) if style else None
            # no style of its own: base itself, so that runs of plain cells merge by identity
            found = self._styles[key] = base + parsed if parsed else base
        return found

    def _strip(self, cells: tuple[Cell, ...], width: int, base: Style, over: Style | None) -> Strip:
        console = self.app.console
        style_of = self._style
        segments: list[Segment] = []
        # runs of one style are one segment (most of a plain row: fewer for the filter and
        # the compositor to walk on every repaint of the line)
        text, style = " " * PADDING, base
        for col, cell in zip(self.shown_cols, cells):
            w = self._flex_width if col.flex else col.width
            if isinstance(cell, tuple):
                plain, cell_style = cell
                plain = visible(plain)   # server text: control characters shown, never sent
                n = cell_len(plain)
                if n > w:
                    plain, n = set_cell_size(plain, w - 1) + "…", w
                fill = " " * (w - n)
                piece, piece_style = (fill + plain if col.right else plain + fill), style_of(base, cell_style)
                if piece_style is style:
                    text += piece
                else:
                    segments.append(Segment(text, style))
                    text, style = piece, piece_style
            else:
                segments.append(Segment(text, style))
                cell = safe_text(cell, multiline=False).copy()
                cell.no_wrap, cell.end = True, ""
                n = cell.cell_len
                if n > w:
                    cell.truncate(w, overflow="ellipsis")
                elif n < w:
                    if col.right:
                        cell.pad_left(w - n)
                    else:
                        cell.pad_right(w - n)
                segments.extend(text_segments(console, cell, style_of(base, cell.style)))
                text, style = "", base
            pad = " " * (2 * PADDING)
            if style is base:
                text += pad
            else:
                segments.append(Segment(text, style))
                text, style = pad, base
        text = text[:-PADDING] if PADDING else text   # one padding after the last column
        if text:
            segments.append(Segment(text, style))
        if over is not None:
            # the cursor's colours win over the cells' own, as in DataTable
            segments = list(Segment.apply_style(segments, post_style=over))
        return fit_strip(segments, width, base + over if over is not None else base)
