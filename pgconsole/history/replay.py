"""A recording as the console's data source: one moment at a time, and the timeline's markers.

RecordedSource answers what the recording holds at the moment shown (the frame, the
capabilities, the findings' catalog, the lock a session waited for) and says plainly
what it cannot (the locks a session held, pgstattuple's exact bloat of a past moment).
The console moves it (seek, step); `poll()` answers the moment shown.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ..capabilities import Capabilities
from ..findings.catalog_rows import Catalog
from ..source import NotRecorded
from ..snapshots import ExactBloat, Frame, HeldLock, Locks
from .reader import Recording
from .store import HistoryError
from .stream import Moment

FINDINGS_EVERY_S = 10.0     # how often the recording counts the findings, for the timeline
PEAK_WINDOW_S = 300.0       # a connection peak: the most connections within 5 minutes either side...
PEAK_ABOVE = 1.2            # ...and at least this much above the recording's median


@dataclass(frozen=True)
class Marker:
    at: datetime
    kind: str          # "lock" | "peak" | "finding" | "restart"
    text: str


MARKER_GLYPH = {"lock": "L", "peak": "C", "finding": "F", "restart": "R"}


def findings_count(frame: Frame, caps: Capabilities | None, catalog: Catalog | None) -> int | None:
    """Warning and critical findings at this frame (the timeline's "new findings" marker)."""
    if caps is None:
        return None
    from ..findings import evaluate
    try:
        result = evaluate(frame, catalog, caps, now=frame.sampled_at)
    except Exception:  # noqa: BLE001 - a marker is not worth failing a recording for
        return None
    return sum(1 for f in result.findings if f.severity in ("warning", "critical"))


class FindingsTally:
    """Counts the findings into a record's summary every FINDINGS_EVERY_S of frame time."""

    def __init__(self, every_s: float = FINDINGS_EVERY_S) -> None:
        self.every_s = every_s
        self._at: datetime | None = None

    def mark(self, summary: dict[str, Any], frame: Frame, caps: Capabilities | None, catalog: Catalog | None,
             known: int | None = None) -> None:
        """known: the count someone already made (the console's Findings pane judges every 10 s
        anyway: judging again here doubled that cost, 200 ms a time at 10,000 tables)."""
        t = frame.sampled_at
        if self._at is not None and abs((t - self._at).total_seconds()) < self.every_s:
            return
        self._at = t
        n = known if known is not None else findings_count(frame, caps, catalog)
        if n is not None:
            summary["f"] = n


def markers(timeline: list[tuple[datetime, dict[str, Any]]]) -> list[Marker]:
    """Where lock waits began, connections peaked, findings appeared and the server restarted."""
    out: list[Marker] = []
    conns = [c for _, s in timeline if isinstance(c := s.get("c"), int)]
    floor = statistics.median(conns) * PEAK_ABOVE if conns else 0
    findings = start = None
    wait_from: tuple[datetime, int] | None = None    # a lock wait seen once: marked if it lasts
    for i, (at, s) in enumerate(timeline):
        w, f, st, c = s.get("w"), s.get("f"), s.get("s"), s.get("c")
        if isinstance(w, int):
            if w > 0 and wait_from is not None and wait_from[1] >= 0:
                # still waiting a frame later (the sub-second contention of a busy OLTP load is not a marker)
                out.append(Marker(wait_from[0], "lock", f"{max(w, wait_from[1])} session(s) waiting on a lock"))
                wait_from = (wait_from[0], -1)
            elif w > 0 and wait_from is None:
                wait_from = (at, w)
            elif w == 0:
                wait_from = None
        if isinstance(f, int):
            if findings is not None and f > findings:
                out.append(Marker(at, "finding", f"{f - findings} new finding(s)"))
            findings = f
        if isinstance(st, int):
            if start is not None and st != start:
                out.append(Marker(at, "restart", "the server restarted"))
            start = st
        if isinstance(c, int) and c >= floor and c > 0 and _peak(timeline, i, c):
            out.append(Marker(at, "peak", f"{c} connections"))
    out.sort(key=lambda m: m.at)
    return out


def _peak(timeline: list[tuple[datetime, dict[str, Any]]], i: int, c: int) -> bool:
    """The first moment of the most connections within PEAK_WINDOW_S either side."""
    at = timeline[i][0]
    span = timedelta(seconds=PEAK_WINDOW_S)
    j = i - 1
    while j >= 0 and at - timeline[j][0] <= span:
        other = timeline[j][1].get("c")
        if isinstance(other, int) and other >= c:
            return False
        j -= 1
    j = i + 1
    while j < len(timeline) and timeline[j][0] - at <= span:
        other = timeline[j][1].get("c")
        if isinstance(other, int) and other > c:
            return False
        j += 1
    return True


class RecordedSource:
    """A recording, seen at one moment."""

    live = False

    def __init__(self, recording: Recording, where: str | None = None, server: str | None = None,
                 live_catalog: Catalog | None = None) -> None:
        self.recording = recording
        # the rewind memory holds no catalog run: its moments are judged on the one last read live
        self.live_catalog = live_catalog
        self.moment: Moment | None = None
        self.where, self.server = where, server    # to open it again (None: in memory)

    @classmethod
    async def open(cls, source: str, server: str | None = None) -> "RecordedSource":
        return cls(await Recording.open(source, server), source, server)

    @property
    def first(self) -> datetime:
        return self.recording.first

    @property
    def last(self) -> datetime:
        return self.recording.last

    @property
    def capabilities(self) -> Capabilities | None:
        return self.moment.caps if self.moment is not None else None

    # -- moving ----------------------------------------------------------------------
    async def seek(self, t: datetime) -> Moment:
        """The moment at or before t (the first one, before the recording starts)."""
        t = min(max(t, self.first), self.last)
        m = await self.recording.at(t)
        if m is None:
            m = await self.recording.at(self.first)
        if m is None:
            raise HistoryError(f"{self.recording.where} holds no moment at {t.isoformat()}")
        self.moment = m
        return m

    async def step(self, n: int) -> Moment | None:
        """n records on (n < 0: back); None (and no move) past either end."""
        if self.moment is None:
            return await self.seek(self.first)
        m = await self.recording.step(self.moment, n)
        if m is not None:
            self.moment = m
        return m

    async def timeline(self) -> list[tuple[datetime, dict[str, Any]]]:
        return await self.recording.timeline()

    async def markers(self) -> list[Marker]:
        return markers(await self.timeline())

    # -- the data source ----------------------------------------------------------------
    async def poll(self, force: frozenset[str] = frozenset()) -> Frame:
        if self.moment is None:
            await self.seek(self.first)
        assert self.moment is not None
        return self.moment.frame

    async def close(self) -> None:
        await self.recording.close()

    def show_views(self, views: frozenset[str] | None) -> frozenset[str]:
        return frozenset()

    def include_idle_sessions(self, on: bool) -> None:
        return None    # a recording holds idle sessions or not: the pane filters

    async def locks_held(self, pid: int) -> list[HeldLock]:
        m = self.moment
        locks = m.frame.locks if m is not None else None
        node = locks.node(pid) if isinstance(locks, Locks) else None
        if node is None or node.depth == 0:
            raise NotRecorded("the locks a session held are not recorded (the Locks pane shows who "
                              "blocked whom at this moment)")
        return [HeldLock(node.locktype or "?", node.mode or "?", False, node.relation, node.wait_s)]

    async def exact_bloat(self, relid: int) -> ExactBloat:
        raise NotRecorded("exact bloat of a past moment is not recorded: pgstattuple reads the table "
                          "as it is now (run it in the live console)")

    async def catalog(self) -> Catalog | None:
        return self.catalog_at_hand()

    def catalog_at_hand(self) -> Catalog | None:
        recorded = self.moment.catalog if self.moment is not None else None
        return recorded if recorded is not None else self.live_catalog


def read_markers(where: str, server: str | None) -> list[Marker]:
    """The markers of a recording, read on a connection of their own (a thread of the console:
    a day's timeline is 86,400 summaries, and the first moment is shown before they are read)."""
    async def go() -> list[Marker]:
        src = await RecordedSource.open(where, server)
        try:
            return await src.markers()
        finally:
            await src.close()
    return asyncio.run(go())


def utc(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)
