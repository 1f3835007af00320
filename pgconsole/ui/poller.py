"""The one poll loop: a refresh every N seconds, never two at once, reconnecting with backoff.

Plain asyncio (the app runs it as one exclusive Textual worker): it calls the data
core's `poll()` and hands each Frame to `on_frame`; connection trouble becomes a
Link state for the banner instead of an exception.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Callable, Protocol

from ..errors import describe
from ..snapshots import Frame
from .messages import Link

REFRESH_STEPS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 30.0, 60.0)
BACKOFF_FIRST = 0.5
BACKOFF_MAX = 15.0
STALL_REFRESHES = 3    # a poll unanswered for this many refreshes: the link is "stalled"
STALL_MIN_S = 3.0      # ... and at least this long (a busy catalog read is not a stall)


class FrameSource(Protocol):
    """What the console needs from the data core (Monitor, or canned frames in tests)."""

    async def poll(self, force: frozenset[str] = frozenset()) -> Frame: ...
    async def close(self) -> None: ...


def backoff(attempt: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(attempt - 1, 0))


def step(current: float, faster: bool) -> float:
    """The next refresh interval on the ladder (a custom --refresh snaps onto it)."""
    if faster:
        smaller = [s for s in REFRESH_STEPS if s < current - 1e-9]
        return smaller[-1] if smaller else REFRESH_STEPS[0]
    larger = [s for s in REFRESH_STEPS if s > current + 1e-9]
    return larger[0] if larger else REFRESH_STEPS[-1]


class Poller:
    def __init__(self, source: FrameSource, refresh_s: float, on_frame: Callable[[Frame], None],
                 on_link: Callable[[Link], None], timeout_s: float = 30.0):
        self.source = source
        self.refresh_s = refresh_s
        self.on_frame = on_frame
        self.on_link = on_link
        self.timeout_s = timeout_s
        self.stall_min_s = STALL_MIN_S
        self.paused = False
        self.link = Link("connecting")
        self.polls = 0
        self._wake = asyncio.Event()
        self._now = False
        self._force: set[str] = set()

    # -- controls (called from the UI, same event loop) -------------------------
    def refresh_now(self, views: tuple[str, ...] | frozenset[str] = ()) -> None:
        self._force |= set(views)
        self._now = True
        self._wake.set()

    def set_refresh(self, seconds: float) -> None:
        self.refresh_s = seconds
        self._wake.set()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._wake.set()

    # -- the loop -----------------------------------------------------------------
    async def run(self) -> None:
        self._set_link(Link("connecting"))
        attempt = 0
        while True:
            if self.paused and not self._now:
                await self._wait(None)
                continue
            self._now = False
            force, self._force = frozenset(self._force), set()
            started = time.monotonic()
            try:
                frame = await self._answer(force, started)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure here means: show it, retry later
                attempt += 1
                if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
                    reason = f"no answer within {self.timeout_s:.0f}s"
                    await self._close_quietly()
                else:
                    reason = describe(exc)
                delay = backoff(attempt)
                self._set_link(Link("reconnecting", reason, attempt, delay))
                await self._wait(delay)
                continue
            if self.link.state != "live":
                self._set_link(Link("live"))
            attempt = 0
            self.polls += 1
            self.on_frame(frame)
            while not self._now:
                remaining = started + self.refresh_s - time.monotonic()
                if remaining <= 0 and not self.paused:
                    break
                await self._wait(None if self.paused else remaining)

    def stall_after_s(self) -> float:
        return max(STALL_REFRESHES * self.refresh_s, self.stall_min_s)

    async def _answer(self, force: frozenset[str], started: float) -> Frame:
        """One poll, at most timeout_s; overdue by a few refreshes, the link says "stalled"
        (a frozen server answers nothing and closes nothing: without this it looked live)."""
        task = asyncio.ensure_future(self.source.poll(force=force))
        try:
            stall = min(self.stall_after_s(), self.timeout_s)
            done, _ = await asyncio.wait({task}, timeout=stall)
            if not done and stall < self.timeout_s:
                self._set_link(Link("stalled", "the server has not answered", since=started))
                done, _ = await asyncio.wait({task}, timeout=self.timeout_s - stall)
            if not done:
                raise asyncio.TimeoutError
            return task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _wait(self, timeout: float | None) -> None:
        """Until woken (a key, a new rate) or `timeout` s. A timer sets the same event: wait_for
        made a task for the wait and cancelled it at the timeout, i.e. on every refresh."""
        self._wake.clear()
        if timeout is None:
            await self._wake.wait()
            return
        timer = asyncio.get_running_loop().call_later(timeout, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            timer.cancel()

    async def _close_quietly(self) -> None:
        try:
            await self.source.close()
        except Exception:  # noqa: BLE001 - already failing; the reconnect will tell
            pass

    def _set_link(self, link: Link) -> None:
        self.link = link
        self.on_link(link)
