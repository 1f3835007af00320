"""One data source for the console, live or recorded.

The console reads everything it shows through a DataSource: its frames (`poll()`), the
server's capabilities, and the on-demand reads a pane asks for (the locks a session
holds, a table's exact bloat, the findings' catalog). Two implementations: LiveSource,
the monitoring session of a running server, and history.replay.RecordedSource, a
recording seen at one moment. A recorded source answers what it recorded and raises
NotRecorded, one plain sentence, for what it cannot (the exact bloat of a past moment).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .capabilities import Capabilities
from .collectors.activity import locks_held
from .collectors.bloat import exact_bloat
from .errors import PgConsoleError
from .findings.catalog_rows import Catalog
from .findings.gather import gather_catalog
from .findings.model import Thresholds
from .snapshots import ExactBloat, Frame, HeldLock

if TYPE_CHECKING:
    from .history.tap import FrameTap
    from .monitor import Monitor


class NotAvailable(PgConsoleError):
    """A read this source cannot answer (no server, or not in the recording): one line to show."""


class NotRecorded(NotAvailable):
    """What a recording does not hold."""


@runtime_checkable
class DataSource(Protocol):
    """What the console reads, from a live server or a recording."""

    @property
    def live(self) -> bool:
        """True for a running server (actions make sense); False for a moment of the past."""
        ...

    @property
    def capabilities(self) -> Capabilities | None: ...

    async def poll(self, force: frozenset[str] = frozenset()) -> Frame: ...

    async def close(self) -> None: ...

    def show_views(self, views: frozenset[str] | None) -> frozenset[str]:
        """The views on screen; answers those worth refreshing now."""
        ...

    def include_idle_sessions(self, on: bool) -> None: ...

    async def locks_held(self, pid: int) -> list[HeldLock]: ...

    async def exact_bloat(self, relid: int) -> ExactBloat: ...

    async def catalog(self) -> Catalog | None:
        """The findings' catalog run (indexes, sequences, XID age...)."""
        ...

    def catalog_at_hand(self) -> Catalog | None:
        """The catalog this source holds without a query (a recording: the one of the moment
        shown), or None: ask catalog()."""
        ...


class BaseSource:
    """Defaults for a source of frames alone (canned frames in tests): no on-demand reads."""

    live = True
    capabilities: Capabilities | None = None
    no_server = "not connected to a server"

    async def poll(self, force: frozenset[str] = frozenset()) -> Frame:
        raise NotAvailable(self.no_server)

    async def close(self) -> None:
        return None

    def show_views(self, views: frozenset[str] | None) -> frozenset[str]:
        return frozenset()

    def include_idle_sessions(self, on: bool) -> None:
        return None

    async def locks_held(self, pid: int) -> list[HeldLock]:
        raise NotAvailable(self.no_server)

    async def exact_bloat(self, relid: int) -> ExactBloat:
        raise NotAvailable(self.no_server)

    async def catalog(self) -> Catalog | None:
        raise NotAvailable(self.no_server)

    def catalog_at_hand(self) -> Catalog | None:
        return None


class LiveSource:
    """The monitoring session of a running server; with a tap, every frame is also recorded
    (in memory for the rewind keys, and to a file with --record)."""

    live = True

    def __init__(self, monitor: "Monitor", tap: "FrameTap | None" = None) -> None:
        self.monitor = monitor
        self.tap = tap
        self._catalog: Catalog | None = None
        self._findings: int | None = None   # the console's last count (see findings_counted)

    @property
    def capabilities(self) -> Capabilities | None:
        return self.monitor.caps

    async def poll(self, force: frozenset[str] = frozenset()) -> Frame:
        frame = await self.monitor.poll(force=force)
        if self.tap is not None:
            try:
                problem = await self.tap.write(frame, self.monitor.caps, self._catalog, self._findings)
            except Exception as exc:  # noqa: BLE001 - recording must never look like a lost server
                self.tap = None
                problem = f"recording stopped (rewind and --record): {type(exc).__name__}: {exc}"
            if problem:
                frame = dataclasses.replace(frame, errors=frame.errors + (problem,))
        return frame

    async def close(self) -> None:
        await self.monitor.close()

    @property
    def last_catalog(self) -> Catalog | None:
        """The catalog run last read (None before the first)."""
        return self._catalog

    def findings_counted(self, count: int) -> None:
        """The warning and critical findings the console's Findings pane just counted: the
        recording's timeline marks take them instead of judging the frame a second time."""
        self._findings = count

    def show_views(self, views: frozenset[str] | None) -> frozenset[str]:
        return self.monitor.show_views(views)

    def include_idle_sessions(self, on: bool) -> None:
        self.monitor.include_idle_sessions(on)

    async def locks_held(self, pid: int) -> list[HeldLock]:
        return await self.monitor.run(lambda conn, caps: locks_held(conn, caps, pid))

    async def exact_bloat(self, relid: int) -> ExactBloat:
        return await self.monitor.run(lambda conn, caps: exact_bloat(conn, caps, relid))

    async def catalog(self) -> Catalog | None:
        previous = self._catalog   # a query that times out keeps these rows (older, not wrong)
        # the rows the console's checks (default thresholds) may find something in: the same
        # findings from a fraction of the rows (20,000 index rows were 9 MB at 10,000 tables);
        # every row when a recording file takes the catalog (replay, report --from show them)
        judged = None if self.tap is not None and self.tap.file is not None else Thresholds()
        self._catalog = await self.monitor.run(
            lambda conn, caps: gather_catalog(conn, caps, previous=previous, judged=judged))
        return self._catalog

    def catalog_at_hand(self) -> Catalog | None:
        return None


def as_source(source: "DataSource | Monitor | None") -> DataSource | None:
    """A Monitor is the live source's engine: wrap it (callers may pass either)."""
    from .monitor import Monitor
    if isinstance(source, Monitor):
        return LiveSource(source)
    return source


def moment_label(at: datetime) -> str:
    """A recorded moment as the header shows it: local time, to the second."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
