"""Typed messages between the poll loop, the panes and the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable

from rich.console import RenderableType
from textual.message import Message

from ..snapshots import Frame
from ..source import DataSource

if TYPE_CHECKING:
    from ..actions import ActionSession

Read = Callable[[DataSource], Awaitable[object]]   # an on-demand read of the data source


class FrameReady(Message):
    """A new poll result. Only the newest matters: it replaces any still queued."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FrameReady)


@dataclass(frozen=True)
class Link:
    """The monitoring connection's state, for the header and the banner."""

    state: str                  # "connecting" | "live" | "stalled" | "reconnecting"
    reason: str = ""
    attempt: int = 0
    retry_in: float | None = None
    since: float | None = None  # stalled: time.monotonic() when the unanswered poll started


class LinkChanged(Message):
    def __init__(self, link: Link) -> None:
        super().__init__()
        self.link = link

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LinkChanged)


class DetailLoaded(Message):
    """On-demand detail (locks held, exact bloat) for one row of one pane."""

    def __init__(self, pane: str, key: str, kind: str, value: object) -> None:
        super().__init__()
        self.pane = pane
        self.key = key
        self.kind = kind
        self.value = value


class LoadDetail(Message):
    """A pane asks for on-demand detail of one row (read through the data source, off the
    event loop's way); the answer comes back as DetailLoaded."""

    def __init__(self, pane: str, key: str, kind: str, read: Read, announce: bool = False) -> None:
        super().__init__()
        self.pane = pane
        self.key = key
        self.kind = kind
        self.read = read
        self.announce = announce


# -- what panes ask of the console (they never call the app: they post these) --------------
class ConfirmAction(Message):
    """Ask, then run `run(actions)` on the action session (cancel, terminate, reset, drop...)."""

    def __init__(self, title: str, body: RenderableType, run: "Callable[[ActionSession], Awaitable[str]]",
                 danger: bool = False, refresh: Iterable[str] = ()) -> None:
        super().__init__()
        self.title, self.body, self.run, self.danger, self.refresh = title, body, run, danger, tuple(refresh)


class ConfirmVacuum(Message):
    """VACUUM ANALYZE one table (schema, name), or the whole database (None), after a confirmation."""

    def __init__(self, table: tuple[str, str] | None, label: str, dead: int | None) -> None:
        super().__init__()
        self.table, self.label, self.dead = table, label, dead


class ExplainStatement(Message):
    def __init__(self, statement: str, database: str | None) -> None:
        super().__init__()
        self.statement, self.database = statement, database


class IdleSessionsShown(Message):
    """The Connections pane shows idle sessions, or no longer does: the poll reads them or not."""

    def __init__(self, shown: bool) -> None:
        super().__init__()
        self.shown = shown
