"""A Linux terminal driver whose input thread sleeps until there is something to do.

Textual's LinuxDriver reads the keyboard in a thread that wakes ten times a second
(`select` with a 0.1 s timeout) to look at its exit flag and at the escape-key timeout
of its input parser. On a console that sits refreshing once a second over SSH, those
wake-ups were a tenth of the process's CPU (a bare Textual app: 1.5 ms a second; this
driver: none measurable). Here the thread blocks until a key arrives, until the parser's
pending timeout (a lone Esc) is due, or until the exit flag is set, which also writes
to a pipe the thread watches.

It leans on two details of Textual 8's driver (`run_input_thread` reading through an
`XTermParser` with `_timeout_time`); `quiet_driver_class()` answers the stock driver
when they are not there, so a Textual upgrade costs the saving, never the input.
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder

from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver


class _WakingEvent(threading.Event):
    """The driver's exit flag: setting it also wakes the input thread's select."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_fd, b"x")
        except OSError:     # pipe full (already woken) or closed at shutdown
            pass


class QuietLinuxDriver(LinuxDriver):
    """LinuxDriver with an input thread that blocks instead of polling."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def run_input_thread(self) -> None:
        selector = selectors.DefaultSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        stdin_open = True

        def read_input(final: bool = False) -> None:
            nonlocal stdin_open
            data = os.read(fileno, 4096)
            if not data:            # stdin closed (piped): stop watching it, don't spin
                stdin_open = False
                selector.unregister(fileno)
                return
            for event in parser.feed(decode(data, final=final)):
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                due = parser._timeout_time
                timeout = None if due is None else max(0.0, due - get_time())
                for key, _mask in selector.select(timeout):
                    if key.fd == fileno:
                        read_input()
                    else:
                        self._drain_wake_pipe()
                for event in parser.tick():
                    self.process_message(event)
            # what was typed as the console stopped, as the stock driver does
            if stdin_open and any(key.fd == fileno for key, _ in selector.select(0)):
                read_input(final=True)
            self._drain_wake_pipe()
        finally:
            selector.close()

    def _drain_wake_pipe(self) -> None:
        try:
            while os.read(self._wake_r, 64):
                pass
        except OSError:     # empty (BlockingIOError) or closed
            pass

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
        self._wake_r = self._wake_w = -1


def _supported() -> bool:
    """Textual still has what QuietLinuxDriver builds on."""
    return (hasattr(LinuxDriver, "run_input_thread")
            and "_timeout_time" in vars(XTermParser(False)))


def quiet_driver_class(default: type[Driver]) -> type[Driver]:
    """The quiet driver in place of Textual's stock Linux driver; anything else unchanged."""
    if default is LinuxDriver and _supported():
        return QuietLinuxDriver
    return default
