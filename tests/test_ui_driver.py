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


def _console_in_a_pty(uri: str, *args: str, env_extra: dict | None = None) -> bytes:
    """Run `pgconsole URI ARGS` in an 80x24 pseudo-terminal until it draws, then quit with q."""
    import fcntl
    import struct
    import subprocess
    import termios
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "PGCONSOLE_NO_MOUSE"}
    env.update(TERM="xterm-256color", **(env_extra or {}))
    proc = subprocess.Popen([sys.executable, "-m", "pgconsole", uri, *args], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 30

    sel = selectors.DefaultSelector()
    sel.register(master, selectors.EVENT_READ)
    try:
        quit_sent = False
        while time.monotonic() < deadline:
            if not quit_sent and b"LIVE" in out:
                os.write(master, b"q")
                quit_sent = True
            if not sel.select(0.5):
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:      # the child closed the terminal: it quit
                break
            if not chunk:
                break
            out += chunk
        assert proc.wait(10) == 0
    finally:
        sel.close()
        proc.kill()
        os.close(master)
    assert b"LIVE" in out
    return out


MOUSE_ON = b"\x1b[?1000h"     # what Textual writes to take the mouse


def test_no_mouse_leaves_the_mouse_to_the_terminal(pg_params):
    assert MOUSE_ON in _console_in_a_pty(pg_params.uri())
    assert MOUSE_ON not in _console_in_a_pty(pg_params.uri(), "--no-mouse")
    assert MOUSE_ON not in _console_in_a_pty(pg_params.uri(), env_extra={"PGCONSOLE_NO_MOUSE": "1"})
