"""Chunks generated ahead of the COPY, off the event loop, handed to it in order.

Generation is CPU-bound Python; the server's COPY backend is the other busy party. On
two cores one generator thread beside the event loop keeps one core busy while the
backend uses the other (measured faster than a process there: no pickling, no third
busy process); with more cores, worker processes generate in parallel (plan.default_jobs).
Either way a few chunks are made ahead, so the next table's first chunks are ready when
the current table's COPY ends. Worker processes are workers.py's: started afresh (never
forked from this threaded process) and dying with it, whatever kills it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from .generate import GenJob, Generator
from .workers import WorkerPool


class ChunkRunner:
    """jobs > 0: a pool of generator processes; jobs == 0: one thread in this process."""

    def __init__(self, job: GenJob, jobs: int):
        self.job, self.jobs = job, jobs
        self._pool: WorkerPool | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._gen: Generator | None = None

    async def start(self) -> None:
        if self.jobs > 0:
            # started from the event loop's thread: a worker's parent-death signal follows the
            # thread that started it, and this one lives as long as the seed
            self._pool = WorkerPool(self.job, self.jobs)
        else:
            self._gen = Generator(self.job)
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="pgconsole-seed")
            # compile the first table while the session connects and reads the catalog (the
            # others compile ahead of their COPY, as their first chunks are generated)
            first = [tp.name for tp in self.job.plan.tables if tp.rows > 0][:1]
            self._thread.submit(self._gen.warm, first)

    @property
    def window(self) -> int:
        return 2 * self.jobs + 1 if self.jobs > 0 else 2

    def submit(self, table: str, index: int, names: tuple[str, ...]) -> asyncio.Future[bytes]:
        loop = asyncio.get_running_loop()
        if self._pool is None:
            assert self._gen is not None   # start() made one or the other
            return loop.run_in_executor(self._thread, self._gen.chunk, table, index, names)
        return asyncio.wrap_future(self._pool.submit(table, index, names), loop=loop)

    async def close(self, ok: bool) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            # a cancelled seed does not wait: queued chunks are dropped, running ones end soon
            await asyncio.to_thread(pool.shutdown, wait=ok)
        if self._thread is not None:
            self._thread.shutdown(wait=ok, cancel_futures=True)
            self._thread = None


class Feed:
    """Chunks of a list of (table, index, columns) tasks, in order, a few always in flight."""

    def __init__(self, runner: ChunkRunner, tasks: Iterable[tuple[str, int, tuple[str, ...]]]) -> None:
        self.runner = runner
        self.tasks = deque(tasks)
        self.pending: deque[asyncio.Future[bytes]] = deque()

    def prime(self) -> None:
        """Start generating now (call from the event loop)."""
        while len(self.pending) < self.runner.window and self.tasks:
            self.pending.append(self.runner.submit(*self.tasks.popleft()))

    async def next(self) -> bytes:
        self.prime()
        data = await self.pending.popleft()
        self.prime()
        return data

    def cancel(self) -> None:
        for f in self.pending:
            f.cancel()
        self.pending.clear()
        self.tasks.clear()
