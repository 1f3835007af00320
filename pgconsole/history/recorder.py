"""The recording loop: poll as the console polls, write every frame, prune, report once a minute.

The monitor runs exactly as under the console (the same collectors at their own cadence,
one connection) with idle sessions shown and the connections, locks and statements views
on screen: cache and bloat, the catalog-wide views, at their off-screen cadence; the
catalog queries of the findings run as often as the console's Findings pane runs them.
Nothing else is asked of the server. A lost connection is retried with backoff (the
recording goes on after a server restart, from a new keyframe); a store that fails
stops the recording with one line.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TextIO

from ..errors import PgConsoleError, describe
from ..findings.catalog_rows import Catalog
from ..findings.gather import CatalogReader
from ..fmt import bytes_
from ..monitor import Monitor
from ..snapshots import Frame
from ..untrusted import say
from .codec import TypeTable
from .compress import Packer
from .replay import FindingsTally
from .store import Sink
from .stream import KEYFRAME_EVERY, RecordWriter

CATALOG_EVERY_S = 60.0     # as the console's Findings pane re-reads the catalog
# polled as the console polls with these views on screen (idle sessions shown): what the
# reports read at their own cadence; the catalog-wide cache and bloat views, the costly ones,
# at the console's off-screen cadence (every 10 s and 60 s)
SHOWN = frozenset({"overview", "connections", "locks", "statements"})
STATUS_EVERY_S = 60.0
BACKOFF_MAX_S = 30.0


@dataclass(frozen=True)
class RecordOptions:
    refresh_s: float = 1.0
    quiet: bool = False
    keyframe_every: int = KEYFRAME_EVERY
    catalog_every_s: float = CATALOG_EVERY_S
    status_every_s: float = STATUS_EVERY_S


@dataclass
class Progress:
    records: int = 0
    bytes: int = 0
    pruned: int = 0
    reconnects: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None


class Recorder:
    def __init__(self, monitor: Monitor, sink: Sink, opts: RecordOptions, out: TextIO | None = None):
        self.monitor, self.sink, self.opts = monitor, sink, opts
        self.out = out or sys.stdout
        self.types = TypeTable()
        self.writer = RecordWriter(self.types, opts.keyframe_every)
        self.packer = Packer()
        self.progress = Progress()
        self._catalog: Catalog | None = None
        self._reader = CatalogReader(opts.catalog_every_s)
        self._window = Progress()
        self.tally = FindingsTally()

    async def run(self, stop: asyncio.Event) -> Progress:
        for tid, name, fields in await self.sink.known_types():
            self.types.add(tid, name, fields)
        await self.monitor.open()
        self.monitor.include_idle_sessions(True)
        self.monitor.show_views(SHOWN)
        self._status(f"recording {self.monitor.params.describe()} to {self.sink.where} "
                     f"every {self.opts.refresh_s:g} s")
        next_status = time.monotonic() + self.opts.status_every_s
        attempt = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                frame = await self.monitor.poll()
                await self._maybe_catalog(started)
            except Exception as exc:  # noqa: BLE001 - the server went away: retry, the recording goes on
                attempt += 1
                self.progress.reconnects += 1
                delay = min(BACKOFF_MAX_S, 0.5 * 2 ** (attempt - 1))
                self._status(f"connection lost ({describe(exc)}): retrying in {delay:g} s", always=True)
                self.writer.reset()     # counters may restart: the next record is a keyframe
                await self._sleep(stop, delay)
                continue
            if attempt:
                self._status("connected again", always=True)
                attempt = 0
            await self._write(frame)
            if time.monotonic() >= next_status:
                await self._minute()
                next_status += self.opts.status_every_s
            await self._sleep(stop, started + self.opts.refresh_s - time.monotonic())
        return self.progress

    async def _maybe_catalog(self, now: float) -> None:
        if not self._reader.due(now):
            return      # once a minute; longer when a read is expensive (gather.py CatalogReader)
        try:
            self._catalog = await self.monitor.run(self._reader.read)
        except PgConsoleError:
            pass    # the snapshot checks go on; the next attempt is a minute away

    async def _write(self, frame: Frame) -> None:
        rec = self.writer.record(frame, self.monitor.caps, self._catalog)
        blob = self.packer.pack(rec.payload, rec.key)
        self.tally.mark(rec.summary, frame, self.monitor.caps, self._catalog)
        try:
            await self.sink.append(rec.at_us, rec.key, blob, rec.summary, list(self.types.pending))
        except BaseException:
            self.writer.reset()     # what the store holds is behind the writer now
            raise
        self.types.pending.clear()
        for p in (self.progress, self._window):
            p.records += 1
            p.bytes += len(blob)
            p.first_at = p.first_at or frame.sampled_at
            p.last_at = frame.sampled_at
        pruned = await self.sink.prune(rec.at_us)
        self.progress.pruned += pruned
        self._window.pruned += pruned

    async def _minute(self) -> None:
        w, self._window = self._window, Progress()
        if not w.records:
            self._status("no frame written in the last minute", always=True)
            return
        if self.opts.quiet:
            return
        self._status(f"{w.records} frames in the last minute, {bytes_(w.bytes)} "
                     f"({bytes_(w.bytes / w.records)} a frame); {self.progress.records} in all, "
                     f"the recording holds {bytes_(await self.sink.size_bytes())}"
                     + (f"; {w.pruned} old records pruned" if w.pruned else ""))

    def _status(self, text: str, always: bool = False) -> None:
        if self.opts.quiet and not always:
            return
        stamp = datetime.now(timezone.utc).astimezone().strftime("%H:%M:%S")
        stream = sys.stderr if always and self.opts.quiet else self.out
        say(f"pgconsole record {stamp} {text}", file=stream, flush=True)   # may quote a server error

    @staticmethod
    async def _sleep(stop: asyncio.Event, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except (asyncio.TimeoutError, TimeoutError):
            pass
