"""The console's terminal driver: keys arrive, a lone Esc times out, and the input
thread sleeps instead of polling (Textual's own wakes ten times a second)."""

from __future__ import annotations

import os
import queue
import selectors
import sys
import threading
import time
import tty
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux driver")

from pgconsole.ui import driver as quiet  # noqa: E402
from pgconsole.ui.app import ConsoleApp  # noqa: E402


class CountingSelector(selectors.DefaultSelector):
    """Records the timeouts the input thread selects with (an event loop's selector is
    the same class: those calls are not counted)."""
    timeouts: list = []

    def select(self, timeout=None):
        if threading.current_thread() is not threading.main_thread():
            CountingSelector.timeouts.append(timeout)
        return super().select(timeout)


async def test_keys_arrive_a_lone_escape_times_out_and_stop_is_immediate(monkeypatch):
    monkeypatch.setattr(quiet.selectors, "DefaultSelector", CountingSelector)
    CountingSelector.timeouts = []
    master, slave = os.openpty()
    tty.setraw(slave)
    got: queue.Queue = queue.Queue()

    class Probe(quiet.QuietLinuxDriver):
        def send_message(self, message) -> None:
            got.put(message)

    d = Probe(SimpleNamespace())
    d.fileno = slave
    t = threading.Thread(target=d.run_input_thread, daemon=True)
    t.start()
    try:
        os.write(master, b"q")
        assert got.get(timeout=5).key == "q"
        os.write(master, b"\x1b")                   # a lone Esc: only the parser's timeout ends it
        assert got.get(timeout=5).key == "escape"
        before = len(CountingSelector.timeouts)
        time.sleep(0.6)                             # idle: asleep in select, no timeout, no wakes
        assert len(CountingSelector.timeouts) == before
        assert CountingSelector.timeouts[-1] is None
        started = time.monotonic()
        d.exit_event.set()                          # what disable_input does: it must not wait
        t.join(5)
        assert not t.is_alive() and time.monotonic() - started < 0.5
    finally:
        d.close()
        os.close(master)
        os.close(slave)


def test_stdin_closed_ends_the_watch_without_spinning(monkeypatch):
    monkeypatch.setattr(quiet.selectors, "DefaultSelector", CountingSelector)
    CountingSelector.timeouts = []
    r, w = os.pipe()

    async def make():
        return quiet.QuietLinuxDriver(SimpleNamespace())

    import asyncio
    d = asyncio.run(make())
    d.fileno = r
    t = threading.Thread(target=d.run_input_thread, daemon=True)
    t.start()
    os.close(w)                                     # EOF: readable forever, if still watched
    time.sleep(0.3)
    assert len(CountingSelector.timeouts) <= 3
    d.exit_event.set()
    t.join(5)
    assert not t.is_alive()
    d.close()
    os.close(r)


def test_the_console_uses_it_and_anything_else_is_left_alone(monkeypatch):
    from textual.drivers.headless_driver import HeadlessDriver
    from textual.drivers.linux_driver import LinuxDriver
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    assert ConsoleApp(None).driver_class is quiet.QuietLinuxDriver
    assert quiet.quiet_driver_class(LinuxDriver) is quiet.QuietLinuxDriver
    assert quiet.quiet_driver_class(HeadlessDriver) is HeadlessDriver
    # a Textual without what it builds on: the stock driver, input intact
    monkeypatch.setattr(quiet, "_supported", lambda: False)
    assert quiet.quiet_driver_class(LinuxDriver) is LinuxDriver
