"""Records kept in memory: the live console's last half hour, for the rewind keys.

The same records a file holds (a keyframe now and then, compressed change records in
between), in a list instead of SQLite: 30 minutes at a 2 s refresh cost about what
900 change records and a few keyframes do (a few MB), not 900 frames of objects.
It is both the Sink the tap writes and the Store a Recording reads.
"""

from __future__ import annotations

import bisect
from typing import Any, AsyncIterator

from .store import HistoryError, Row, ServerInfo

MEMORY_SPAN_S = 30 * 60.0
MEMORY_MAX_BYTES = 64 << 20    # and never more than this (a fast refresh on a busy server)


class MemoryStore:
    format_version = 1

    def __init__(self, name: str = "live", target: str = "", span_s: float = MEMORY_SPAN_S,
                 max_bytes: int = MEMORY_MAX_BYTES) -> None:
        self.where = "memory"
        self.span_us = int(span_s * 1_000_000)
        self.max_bytes = max_bytes
        self._bytes = 0
        self._name, self._target = name, target
        self._rows: list[Row] = []
        self._ats: list[int] = []           # the rows' times (ascending), for bisect
        self._key_of: list[int] = []        # each row's keyframe id
        self._summaries: list[dict[str, Any]] = []
        self._types: dict[int, tuple[str, tuple[str, ...]]] = {}
        self._next_id = 1
        self._key_id: int | None = None
        self.server = ServerInfo(name, target, None, None, 0)

    # -- the sink --------------------------------------------------------------------
    async def known_types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return [(i, n, f) for i, (n, f) in self._types.items()]

    async def append(self, at_us: int, key: bool, blob: bytes, summary: dict[str, Any],
                     new_types: list[tuple[int, str, tuple[str, ...]]]) -> None:
        if self._ats and at_us < self._ats[-1]:
            at_us = self._ats[-1]     # a clock step back: keep the list ordered
        rid = self._next_id
        key_id = rid if key else self._key_id
        if key_id is None:
            raise HistoryError("internal: a change record before any keyframe")
        for i, n, f in new_types:
            self._types[i] = (n, f)
        self._rows.append(Row(rid, at_us, key, blob))
        self._bytes += len(blob)
        self._ats.append(at_us)
        self._key_of.append(key_id)
        self._summaries.append(summary)
        self._next_id, self._key_id = rid + 1, key_id
        self._bounds()

    async def prune(self, now_us: int, force: bool = False) -> int:
        """Drop the chains wholly older than the span, and the oldest ones past the size limit
        (the chain being written stays)."""
        cut = now_us - self.span_us
        keep = 0
        for i, row in enumerate(self._rows):
            if row.key and row.at_us > cut:
                break
            if row.key:
                keep = i          # the last keyframe at or before the cut: its chain may reach past it
        gone = self._drop(keep)
        while self._bytes > self.max_bytes:
            nxt = next((i for i, r in enumerate(self._rows) if r.key and i > 0), 0)
            if not nxt:
                break
            gone += self._drop(nxt)
        return gone

    def _drop(self, n: int) -> int:
        if n <= 0:
            return 0
        self._bytes -= sum(len(r.blob) for r in self._rows[:n])
        del self._rows[:n], self._ats[:n], self._key_of[:n], self._summaries[:n]
        self._bounds()
        return n

    async def size_bytes(self) -> int:
        return self._bytes

    # -- the store ---------------------------------------------------------------------
    async def types(self) -> list[tuple[int, str, tuple[str, ...]]]:
        return await self.known_types()

    def _index(self, rid: int) -> int:
        return rid - self._rows[0].id

    async def chain(self, at_us: int) -> list[Row]:
        i = bisect.bisect_right(self._ats, at_us) - 1
        if i < 0:
            return []
        return self._rows[self._index(self._key_of[i]):i + 1]

    async def scan(self, from_us: int, to_us: int) -> AsyncIterator[list[Row]]:
        i = bisect.bisect_right(self._ats, from_us) - 1
        start = self._index(self._key_of[i]) if i >= 0 else 0
        end = bisect.bisect_right(self._ats, to_us)
        if start < end:
            yield self._rows[start:end]

    async def summaries(self, from_us: int, to_us: int) -> list[tuple[int, dict[str, Any]]]:
        lo, hi = bisect.bisect_left(self._ats, from_us), bisect.bisect_right(self._ats, to_us)
        return list(zip(self._ats[lo:hi], self._summaries[lo:hi]))

    async def offset(self, at_us: int, n: int) -> int | None:
        if n > 0:
            i = bisect.bisect_right(self._ats, at_us) + n - 1
        else:
            i = bisect.bisect_left(self._ats, at_us) + n
        return self._ats[i] if 0 <= i < len(self._ats) else None

    async def refresh(self) -> ServerInfo:
        return self.server

    async def close(self) -> None:
        return None

    def _bounds(self) -> None:
        self.server = ServerInfo(self._name, self._target, self._ats[0] if self._ats else None,
                                 self._ats[-1] if self._ats else None, len(self._rows))
