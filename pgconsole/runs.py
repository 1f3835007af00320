"""What a long-running command (pgbench, VACUUM) shares: an event stream for one consumer,
and a lifetime tied to an `async with` block or to whoever awaits it."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Callable, Generic, Self, TypeVar

E = TypeVar("E")


class EventRun(Generic[E]):
    """Subclasses set `self._task` in start() and call `_emit(ev)` / `_finish()` from it."""

    def __init__(self, on_event: Callable[[E], None] | None = None) -> None:
        self.on_event = on_event  # called for every event too, for callers that do not iterate
        self._queue: asyncio.Queue[E | None] = asyncio.Queue()
        self._task: asyncio.Task[Any] | None = None

    async def start(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def stop(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _emit(self, ev: E) -> None:
        self._queue.put_nowait(ev)
        if self.on_event is not None:
            self.on_event(ev)

    def _finish(self) -> None:
        self._queue.put_nowait(None)  # events() ends, whatever happened

    async def events(self) -> AsyncIterator[E]:
        """Events as they happen; ends with the run. One consumer only.
        Cancelling the consumer (a worker being cancelled) stops the run."""
        while True:
            try:
                ev = await self._queue.get()
            except asyncio.CancelledError:
                self.stop()
                raise
            if ev is None:
                return
            yield ev

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Leaving the block stops what still runs and waits for it to wind down."""
        if self._task is None:
            return
        if not self._task.done():
            self.stop()
        try:
            await asyncio.shield(self._task)
        except Exception:
            pass
