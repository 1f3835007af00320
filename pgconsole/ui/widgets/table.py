"""A DataTable updated in place by row key: changed cells only, rows added or removed,
order imposed by one sort, the cursor staying on the same row. Never cleared on
refresh (only when a resize changes which columns fit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from ... import fmt

PADDING = 1  # DataTable.cell_padding: on each side of every cell


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


class KeyText(Text):
    """The first cell of a row: it carries the row key so one sort can impose our order."""

    def __init__(self, text: str, style: str = "", row_key: str = "", justify=None) -> None:
        super().__init__(text, style=style, justify=justify, no_wrap=True, end="")
        self.row_key = row_key


Cells = Mapping[str, Text | str]


def _sig(cell: Text | str) -> tuple:
    if isinstance(cell, Text):
        return (cell.plain, str(cell.style), tuple(cell.spans))
    return (cell,)


class KeyedTable(DataTable):
    DEFAULT_CSS = """
    KeyedTable { scrollbar-size-vertical: 1; }
    """
    # rows matter more than columns here: Home/End go to the first/last row
    BINDINGS = [Binding("home", "scroll_top", "First row", show=False, id="table.first"),
                Binding("end", "scroll_bottom", "Last row", show=False, id="table.last")]

    def __init__(self, columns: list[Col], **kw) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, cell_padding=PADDING, **kw)
        self.all_columns = columns
        self.shown_cols: tuple[Col, ...] = ()
        self._full: dict[str, Cells] = {}        # every row's cells as given (for re-layout)
        self._shown: dict[str, tuple] = {}       # signatures of what is on screen
        self._order: list[str] = []
        self._flex_width = 20
        self.labels: dict[str, str] = {c.key: c.label for c in columns}
        self._cells_cache: dict[tuple, tuple] = {}

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
        selected = self.selected_key
        self.shown_cols, self._flex_width = cols, flex_w
        self.clear(columns=True)
        for c in cols:
            self.add_column(self._label(c), width=flex_w if c.flex else c.width, key=c.key)
        self._shown.clear()
        rows = [(k, self._full[k]) for k in self._order if k in self._full]
        self._order = []
        self.sync(rows, selected=selected)

    def _label(self, c: Col) -> Text:
        return Text(self.labels.get(c.key, c.label), justify="right" if c.right else "left", no_wrap=True)

    def set_label(self, key: str, label: str) -> None:
        """Change a column title in place (sort arrows)."""
        if self.labels.get(key) == label:
            return
        self.labels[key] = label
        for c in self.shown_cols:
            if c.key == key:
                self.columns[key].label = self._label(c)  # type: ignore[index]
                self._clear_caches()
                self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self.relayout()

    def on_mount(self) -> None:
        self.relayout(force=True)

    # -- rendering ---------------------------------------------------------------
    def _render_cell(self, row_index: int, column_index: int, base_style, width: int,
                     cursor: bool = False, hover: bool = False):
        """DataTable drops every rendered cell whenever any cell changes (one update counter
        for the whole table); a refresh changes a few ages, so keep what did not change,
        keyed by the cell object itself (unchanged cells keep their object)."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        try:
            cell = self._data[self._row_locations.get_key(row_index)][self._column_locations.get_key(column_index)]
        except KeyError:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        key = (row_index, column_index, id(cell), base_style, width, cursor, hover, self._show_hover_cursor,
               self._pseudo_class_state)
        hit = self._cells_cache.get(key)
        if hit is not None and hit[0] is cell:
            return hit[1]
        lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        if len(self._cells_cache) > 20000:
            self._cells_cache.clear()
        self._cells_cache[key] = (cell, lines)   # the cell is kept alive: its id stays its own
        return lines

    # -- data ------------------------------------------------------------------
    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - no valid cursor
            return None
        return key.value

    def _render_cells(self, key: str, cells: Cells) -> list[Text | str]:
        out: list[Text | str] = []
        for i, c in enumerate(self.shown_cols):
            v = cells.get(c.key, "")
            if isinstance(v, str):
                v = Text(v, no_wrap=True, end="")
            if c.flex:
                v = Text(fmt.one_line(v.plain, self._flex_width), style=v.style, no_wrap=True, end="")
            if c.right:
                v = Text(v.plain, style=v.style, justify="right", no_wrap=True, end="", spans=v.spans)
            if i == 0:
                v = KeyText(v.plain, style=str(v.style), row_key=key, justify=v.justify)
            out.append(v)
        return out

    def sync(self, rows: list[tuple[str, Cells]], selected: str | None = None) -> None:
        """Make the table show `rows`, in this order, touching only what changed."""
        if not self.shown_cols:
            self._full = dict(rows)
            self._order = [k for k, _ in rows]
            return
        selected = selected if selected is not None else self.selected_key
        wanted = dict(rows)
        with self.app.batch_update():
            for k in [k for k in self._shown if k not in wanted]:
                try:
                    self.remove_row(k)
                except RowDoesNotExist:
                    pass
                self._shown.pop(k, None)
                self._full.pop(k, None)
            for key, cells in rows:
                rendered = self._render_cells(key, cells)
                sigs = tuple(_sig(v) for v in rendered)
                old = self._shown.get(key)
                if old is None:
                    self.add_row(*rendered, key=key)
                elif old != sigs:
                    for c, v, s_new, s_old in zip(self.shown_cols, rendered, sigs, old):
                        if s_new != s_old:
                            self.update_cell(key, c.key, v)
                self._shown[key] = sigs
                self._full[key] = cells
            order = [k for k, _ in rows]
            if order != self._order:
                pos = {k: i for i, k in enumerate(order)}
                first = self.shown_cols[0].key
                self.sort(first, key=lambda cell: pos.get(getattr(cell, "row_key", ""), len(pos)))
                self._order = order
            if selected is not None and selected in wanted:
                idx = self.get_row_index(selected)
                if idx != self.cursor_row:
                    self.move_cursor(row=idx, scroll=False)

    def select_key(self, key: str) -> bool:
        try:
            idx = self.get_row_index(key)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=idx)
        return True
