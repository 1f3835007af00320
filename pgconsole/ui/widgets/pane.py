"""What every pane shares: a status line, an "unavailable" message, a keyed table,
filter and sort state, and a registry so a new pane needs one class and one import.

A pane renders one view of a Frame. It is told about every frame but redraws only
while it is shown (a hidden pane redraws when it comes back), so five panes cost
the CPU of one.

Adding a pane: subclass Pane, set pane_id/title/short/view/order/COLUMNS/SORTS,
implement `rows()` and `detail()`, decorate with @register_pane and import the
module in pgconsole/ui/widgets/__init__.py. Number keys follow `order`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from ...snapshots import Frame, Unavailable
from .. import keys
from ..filtering import EMPTY, Filter, parse
from .lines import TextLines
from .safe import SafeStatic as Static
from .styled import SolidLines
from .table import Cells, Col, KeyedTable

if TYPE_CHECKING:
    from ..host import Host
    from ..messages import Read

PANES: list[type["Pane"]] = []
ROW_LIMIT = 500  # cells are built for every row each frame: the top N rows, and say so


def register_pane(cls: type["Pane"]) -> type["Pane"]:
    if cls not in PANES:
        PANES.append(cls)
        PANES.sort(key=lambda p: p.order)
    return cls


@dataclass(frozen=True)
class Sort:
    label: str
    key: Callable[[Any], Any] | None   # None: rows() already returns this order
    descending: bool = True   # the natural direction (biggest first for figures)


class Pane(SolidLines, Vertical, can_focus=False):
    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    short: ClassVar[str] = ""        # for the pane bar at 80 columns
    view: ClassVar[str | None] = None  # Frame attribute rendered; None: the pane computes its own
    order: ClassVar[int] = 100
    COLUMNS: ClassVar[list[Col]] = []
    MODES: ClassVar[dict[str, list[Col]]] = {}   # several tables, one shown (tables / indexes)
    # a view read less often than the refresh keeps its drawn rows for up to this many seconds
    # (500 rows of cells rebuilt every second cost more than the rest of the console)
    REUSE_ROWS_S: ClassVar[float] = 0.0
    SORTS: ClassVar[dict[str, Sort]] = {}
    DEFAULT_SORT: ClassVar[str | None] = None   # None: the view's own order
    FILTER_FIELDS: ClassVar[tuple[str, ...]] = ()

    DEFAULT_CSS = """
    Pane { height: 1fr; }
    Pane .pane-status { height: 1; padding: 0 1; color: $text-muted; }
    Pane .pane-message { height: auto; padding: 1 2; color: $warning; display: none; }
    Pane KeyedTable { height: 1fr; }
    """

    def __init__(self, **kw) -> None:
        super().__init__(id=f"pane-{self.pane_id}", **kw)
        self.frame: Frame | None = None
        self.drawn_seq = -1
        self._drawn: tuple[Any, tuple[Any, ...], datetime] | None = None   # view, state, when: see show_frame
        self.filter: Filter = EMPTY
        self.sort_key: str | None = self.DEFAULT_SORT
        self.sort_reverse = False
        self.total_rows = 0
        self.mode = next(iter(self.MODES), "")
        self._sorts: dict[str, tuple[str | None, bool]] = {}
        self.extras: dict[tuple[str, str], Any] = {}   # (kind, row key) -> loaded detail
        self._objects: dict[str, Any] = {}            # row key -> the snapshot object drawn
        self._message_text: str | None = None
        self._status_line = TextLines(classes="pane-status")
        self._message_box = Static(classes="pane-message")
        self._tables: dict[str, KeyedTable] = {}

    @property
    def console(self) -> "Host":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield self._status_line
        yield self._message_box
        for mode, cols in (self.MODES or {"": self.COLUMNS}).items():
            t = self._tables[mode] = KeyedTable(cols, id=self.table_id(mode))
            t.display = mode == self.mode
            yield t

    def table_id(self, mode: str) -> str:
        return f"{self.pane_id}-{mode}-table" if mode else f"{self.pane_id}-table"

    @property
    def columns(self) -> list[Col]:
        return self.MODES[self.mode] if self.MODES else self.COLUMNS

    @property
    def table(self) -> KeyedTable:
        return self._tables[self.mode]

    def set_mode(self, mode: str) -> None:
        had_focus = self.table.has_focus
        self._sorts[self.mode] = (self.sort_key, self.sort_reverse)
        default = self.DEFAULT_SORT if self.DEFAULT_SORT in {c.key for c in self.MODES.get(mode, [])} else None
        self.sort_key, self.sort_reverse = self._sorts.get(mode, (default, False))
        self.mode = mode
        for m, t in self._tables.items():
            t.display = m == mode
        self.redraw()
        if had_focus:
            self.table.focus()

    # -- frames ------------------------------------------------------------------
    def shown_views(self) -> frozenset[str] | None:
        """The views this pane puts on screen (None: all of them, e.g. the findings)."""
        return frozenset({self.view}) if self.view else None

    def view_of(self, frame: Frame | None) -> Any:
        return getattr(frame, self.view) if (frame is not None and self.view) else None

    def show_frame(self, frame: Frame, redraw: bool) -> None:
        self.frame = frame
        if not redraw:
            return
        view = self.view_of(frame)
        drawn = self._drawn
        if (self.REUSE_ROWS_S and drawn is not None and view is not None and view is drawn[0]
                and drawn[1] == self.draw_state()
                and (frame.sampled_at - drawn[2]).total_seconds() < self.REUSE_ROWS_S):
            # the same view object as drawn (not read again this round: the cache view every
            # few seconds, bloat every minute or more): the rows stand, the status line moves
            self.keep_rows(view, frame)
            return
        self.redraw()

    def draw_state(self) -> tuple[Any, ...]:
        """What, besides the data, decides the rows drawn: the table shown, filter and sort."""
        return (self.mode, self.filter, self.sort_key, self.sort_reverse)

    def keep_rows(self, view: Any, frame: Frame) -> None:
        """This frame is drawn with the rows as they stand: only the status line moves."""
        self.drawn_seq = frame.seq
        self._status(self._status_text(view, frame))

    def redraw(self) -> None:
        frame = self.frame
        if frame is None:
            self._message("waiting for the first sample…")
            return
        self.drawn_seq = frame.seq
        view = self.view_of(frame)
        if isinstance(view, Unavailable):
            self._message(f"{self.title}: {view.line()}")
            return
        if view is None and self.view is not None:
            self._message(f"{self.title}: not collected yet")
            return
        self._message(None)
        objects = self.rows(view, frame)
        if self.filter:
            objects = [(k, o) for k, o in objects if self.filter.matches(self.fields(o))]
        spec = self.SORTS.get(self.sort_key) if self.sort_key else None
        if spec is not None and spec.key is not None and self.sort_key in {c.key for c in self.columns}:
            objects = sort_objects(objects, spec, self.sort_reverse)
        elif self.sort_reverse:
            objects.reverse()
        self.total_rows = len(objects)
        objects = objects[:ROW_LIMIT]
        self._objects = dict(objects)
        self.table.sync([(k, self.cells(o, frame)) for k, o in objects])
        self._sort_arrows()
        self._drawn = (view, self.draw_state(), frame.sampled_at)
        self._status(self._status_text(view, frame))

    def _status_text(self, view: Any, frame: Frame) -> Text:
        status = self.status_line(view, frame)
        mark = frame.stale.get(self.view) if self.view else None
        if mark is not None:   # an older read, on purpose (slow) or after a timeout: say so
            status = Text.assemble((mark.line(), "yellow"), " · ", status)
        return status

    def _status(self, text: Text) -> None:
        """Repaint the status line; a layout pass only when it needs another height."""
        status = self._status_line
        # size is the content width already (inside the padding); before layout, the screen's less it
        width = max(status.size.width or self.app.size.width - 2, 20)
        height = min(2, sum(max(1, -(-Text(line).cell_len // width)) for line in text.plain.split("\n")))
        if status.styles.height is None or status.styles.height.value != height:
            status.styles.height = height
        status.update(text)

    def _message(self, text: str | None) -> None:
        msg = self._message_box
        if msg.display != (text is not None):
            msg.display = text is not None
        if self.table.display != (text is None):
            self.table.display = text is None
        if text is not None and text != self._message_text:
            msg.update(Text(text))
        self._message_text = text

    def _sort_arrows(self) -> None:
        for c in self.columns:
            label = self.column_label(c)
            if c.key == self.sort_key and self.sort_key in self.SORTS:
                down = self.SORTS[c.key].descending != self.sort_reverse
                label += ("v" if down else "^") if self.console.ascii else ("▼" if down else "▲")
            self.table.set_label(c.key, label)

    def column_label(self, c: Col) -> str:
        return c.label

    def status_width(self) -> int:
        """The status line's width in cells (before layout: the screen's, less the padding)."""
        return self._status_line.size.width or max(self.app.size.width - 2, 20)

    def fit_status(self, t: Text, optional: list[str]) -> Text:
        """Append the optional notes (key hints the footer also shows) while the status
        line still fits on one line; the first ones first."""
        width = self.status_width()
        for note in optional:
            if t.cell_len + 3 + len(note) > width:
                break
            t.append(" · " + note, style="dim")
        return t

    def extra_status(self) -> list[str]:
        """Filter, sort and row-limit notes for the status line."""
        out = []
        if self.filter:
            out.append(f"filter: {self.filter.text}")
        if self.total_rows > ROW_LIMIT:
            out.append(f"showing {ROW_LIMIT} of {self.total_rows:,}")
        return out

    # -- to implement ------------------------------------------------------------
    def rows(self, view: Any, frame: Frame) -> list[tuple[str, Any]]:
        """(row key, snapshot object) in the view's natural order."""
        raise NotImplementedError

    def cells(self, obj: Any, frame: Frame) -> Cells:
        raise NotImplementedError

    def fields(self, obj: Any) -> dict[str, object]:
        """Values the filter can match (keys are FILTER_FIELDS)."""
        return {}

    def status_line(self, view: Any, frame: Frame) -> Text:
        return Text(" · ".join(self.extra_status()))

    def detail(self, key: str | None) -> RenderableType | None:
        return None

    def extra_request(self, key: str) -> "tuple[str, Read] | None":
        """(kind, read(source)) to load more detail for this row through the data source
        (e.g. `lambda s: s.locks_held(pid)`)."""
        return None

    def extra_quiet(self, kind: str, key: str) -> Any:
        """A token (with `.same(other)`) that stays the same while this row's extra detail
        cannot have changed (a session that ran nothing: its locks); None: re-read it as it ages."""
        return None

    def badge(self, frame: Frame) -> tuple[str, str] | None:
        """A count for the pane bar (text, style), e.g. sessions waiting on locks."""
        return None

    # -- selection ---------------------------------------------------------------
    @property
    def selected_key(self) -> str | None:
        return self.table.selected_key

    @property
    def selected(self) -> Any:
        key = self.selected_key
        return self._objects.get(key) if key is not None else None

    # -- shared actions ------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        self.filter = parse(text, self.FILTER_FIELDS)
        self.redraw()

    def action_sort(self) -> None:
        if not self.SORTS:
            self.notify("this pane has no other order", severity="warning")
            return
        from ..screens.sort import SortScreen

        def chosen(key: str | None) -> None:
            if key is not None:
                self.sort_key, self.sort_reverse = key, False
                self.redraw()

        shown = {c.key for c in self.table.shown_cols}
        options = {k: s.label for k, s in self.SORTS.items() if k in shown}
        self.app.push_screen(SortScreen(self.title, options, self.sort_key), chosen)

    def action_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.redraw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.console.time_travelling and (action in keys.WRITES or action == "recheck"):
            return False   # nothing to act on in the past (and no catalog to read again)
        if action in keys.WRITES and self.console.read_only:
            return None
        return True


def sort_objects(objects: list[tuple[str, Any]], s: Sort, reverse: bool) -> list[tuple[str, Any]]:
    """Sort by `s`; rows without a value go last whichever the direction. Stable."""
    keyed = [(s.key(o), k, o) for k, o in objects]
    present = [t for t in keyed if t[0] is not None]
    missing = [(k, o) for v, k, o in keyed if v is None]
    present.sort(key=lambda t: t[0], reverse=s.descending != reverse)
    return [(k, o) for _, k, o in present] + missing
