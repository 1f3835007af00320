"""The live console's recording: every frame it shows, encoded once, kept in memory for the
rewind keys (the last 30 minutes) and, with --record FILE, written to a recording file too.
"""

from __future__ import annotations

from ..capabilities import Capabilities
from ..findings.catalog_rows import Catalog
from ..snapshots import Frame
from .codec import TypeTable
from .compress import Packer
from .memory_store import MEMORY_SPAN_S, MemoryStore
from .reader import Recording
from .replay import FindingsTally
from .store import HistoryError, Sink
from .stream import RecordWriter


class FrameTap:
    def __init__(self, file: Sink | None = None, span_s: float = MEMORY_SPAN_S, name: str = "live",
                 target: str = "") -> None:
        self.memory = MemoryStore(name, target, span_s)
        self.file = file
        self.types = TypeTable()
        self.writer = RecordWriter(self.types)
        self.packer = Packer()
        self.frames = 0
        self.tally = FindingsTally()

    async def start(self) -> None:
        """Continue the file's type table (a file recorded before holds its own ids)."""
        if self.file is not None:
            for tid, name, fields in await self.file.known_types():
                self.types.add(tid, name, fields)

    async def write(self, frame: Frame, caps: Capabilities | None, catalog: Catalog | None,
                    findings: int | None = None) -> str | None:
        """Record one frame; a file that fails stops being written: the one line to show.
        findings: the warning and critical findings the console last counted, if it did."""
        # the catalog run (every table and index: 30,000 rows at 10,000 tables) goes into a file
        # for replay and report --from; the rewind memory does without (the encoder's copy of it
        # for the next diff was 55 MB there): a rewound moment judges the catalog last read
        rec = self.writer.record(frame, caps, catalog if self.file is not None else None)
        blob = self.packer.pack(rec.payload, rec.key)
        self.tally.mark(rec.summary, frame, caps, catalog, findings)
        new = list(self.types.pending)
        self.types.pending.clear()
        await self.memory.append(rec.at_us, rec.key, blob, rec.summary, new)
        await self.memory.prune(rec.at_us)
        self.frames += 1
        if self.file is None:
            return None
        try:
            await self.file.append(rec.at_us, rec.key, blob, rec.summary, new)
            await self.file.prune(rec.at_us)
        except HistoryError as exc:
            file, self.file = self.file, None
            try:
                await file.close()
            except Exception:  # noqa: BLE001 - already failing
                pass
            return f"--record stopped: {exc}"
        return None

    def recording(self) -> Recording:
        """The memory's records as a Recording (for the rewind keys)."""
        return Recording(self.memory, self.types, "memory")

    async def close(self) -> None:
        if self.file is not None:
            file, self.file = self.file, None
            await file.close()
