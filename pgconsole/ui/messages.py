"""Typed messages between the poll loop, the panes and the app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from textual.message import Message

from ..snapshots import Frame
from ..source import DataSource

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
