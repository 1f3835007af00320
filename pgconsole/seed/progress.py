"""What a running seed reports (per table) and what a finished one returns."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

@dataclass(frozen=True)
class TableProgress:
    table: str
    rows_done: int
    rows_total: int
    rows_per_s: float
    eta_s: float | None       # None until a rate is known
    bytes: int                # COPY bytes sent so far
    seconds: float            # load time so far
    phase: str = "loading"    # waiting, loading, indexing (keys, indexes, ANALYZE), done
    index_seconds: float = 0.0  # time building this table's constraints, indexes and statistics


@dataclass(frozen=True)
class SeedSummary:
    scenario: str
    schema: str
    seed: int
    tables: tuple[TableProgress, ...]
    rows: int
    bytes: int
    load_seconds: float       # first COPY byte to last
    index_seconds: float      # constraints, indexes, foreign keys, ANALYZE
    seconds: float            # whole run, connection to commit
    built: tuple[str, ...] = ()   # constraints and indexes created, by name
    note: str = ""                # committed, but something after the commit (ANALYZE) did not go as planned
    skipped: tuple[tuple[str, str], ...] = ()   # seed --like: (constraint or index, why it was not built)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.load_seconds if self.load_seconds > 0 else 0.0


class Tracker:
    """Rates and ETAs for one table's load, throttled so callbacks stay cheap."""

    def __init__(self, table: str, total: int, callback: Callable[[TableProgress], object] | None,
                 every: float = 0.1) -> None:
        self.table, self.total, self.callback, self.every = table, total, callback, every
        self.rows = self.bytes = 0
        self.started: float | None = None
        self.ended: float | None = None
        self.index_seconds = 0.0
        self.phase = "waiting"
        self._last = 0.0

    def start(self) -> None:
        self.started = time.perf_counter()
        self.phase = "loading"
        self.emit(force=True)

    def add(self, rows: int, nbytes: int) -> None:
        self.rows += rows
        self.bytes += nbytes
        self.emit()

    def finish_load(self) -> None:
        self.ended = time.perf_counter()
        self.emit(force=True)

    def set_phase(self, phase: str, index_seconds: float | None = None) -> None:
        self.phase = phase
        if index_seconds is not None:
            self.index_seconds = index_seconds
        self.emit(force=True)

    def snapshot(self) -> TableProgress:
        now = time.perf_counter()
        secs = ((self.ended or now) - self.started) if self.started else 0.0
        rate = self.rows / secs if secs > 0 else 0.0
        left = self.total - self.rows
        eta = (left / rate if rate > 0 else None) if left > 0 else 0.0
        return TableProgress(self.table, self.rows, self.total, rate, eta, self.bytes, secs,
                             self.phase, self.index_seconds)

    def emit(self, force: bool = False) -> None:
        if self.callback is None:
            return
        now = time.perf_counter()
        if force or now - self._last >= self.every:
            self._last = now
            self.callback(self.snapshot())
