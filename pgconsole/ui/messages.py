"""Typed messages between the poll loop, the panes and the app."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..snapshots import Frame


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
