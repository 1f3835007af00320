"""The two header lines: who and how (server, version, uptime, state), and the pulse
(connections, TPS, hit ratios, deadlocks) with sparklines over the last minutes."""

from __future__ import annotations

import asyncio
import re
import time
from collections import deque
from datetime import datetime, timezone
from itertools import islice
from typing import Callable

from rich.console import Group
from rich.text import Span, Text

from ... import fmt
from ...snapshots import Connections, Frame, Overview
from ..messages import Link
from .lines import TextLines
from .sparkline import sparkline

HISTORY = 240


def _uptime(s: float) -> str:
    """Minutes at most: seconds of uptime say nothing, and would repaint the line every second."""
    if s < 60:
        return "<1m"
    if s < 3600:
        return f"{int(s // 60)}m"
    return fmt.duration(s)


def seconds(s: float) -> str:
    """A wait in whole seconds (a stall counts up once a second: tenths would flicker)."""
    return f"{int(s)}s" if s < 60 else fmt.duration(s)


TARGET = re.compile(r"^(?P<user>.*?)@(?P<host>.*):(?P<port>\d+)/(?P<db>.*)$", re.S)


def _cut(s: str, width: int, keep_end: bool = False) -> str:
    """s in `width` characters, `…` where it was cut (at the start when keep_end)."""
    if len(s) <= width:
        return s
    if width <= 1:
        return "…"[:width]
    return "…" + s[1 - width:] if keep_end else s[:width - 1] + "…"


def fit_target(target: str, width: int) -> str:
    """user@host:port/db in `width` cells: the database name is kept longest; the host (a
    socket directory keeps its end) goes first, then the user, then the port."""
    target = fmt.one_line(target)
    m = TARGET.match(target)
    if len(target) <= width or m is None:
        return _cut(target, width)
    user, host, port, db = m["user"], m["host"], m["port"], m["db"]
    over = len(target) - width
    short_host = _cut(host, max(len(host) - over, 1), keep_end=host.startswith("/"))
    over -= len(host) - len(short_host)
    short_user = _cut(user, max(len(user) - over, 1)) if over > 0 else user
    over -= len(user) - len(short_user)
    tail = f"/{db}" if over > 0 else f":{port}/{db}"
    return _cut(f"{short_user}@{short_host}{tail}", width)


def _short_version(version: str) -> str:
    return version.split()[0] if version else "?"


class ConsoleHeader(TextLines):
    DEFAULT_CSS = """
    ConsoleHeader { height: 2; padding: 0 1; background: $panel; }
    """

    def __init__(self, target: str, clock: Callable[[], datetime], ascii: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.target = target
        self.clock = clock
        self.ascii = ascii
        self.frame: Frame | None = None
        self.link = Link("connecting")
        self.paused = False
        self.read_only = False
        self.replay = ""          # "REPLAY <time>": a recorded moment is shown
        self.refresh_s = 2.0
        self.tps: deque[float | None] = deque(maxlen=HISTORY)
        self.active: deque[float | None] = deque(maxlen=HISTORY)
        self.hit: deque[float | None] = deque(maxlen=HISTORY)
        self.deadlock_seen_at: datetime | None = None
        self._last_overview_at: datetime | None = None
        self._drawn_at = 0.0
        self._tick_at: asyncio.TimerHandle | None = None

    # -- inputs -------------------------------------------------------------
    def show_frame(self, frame: Frame) -> None:
        self.frame = frame
        ov = frame.overview
        if isinstance(ov, Overview) and ov.row.sampled_at != self._last_overview_at:
            self._last_overview_at = ov.row.sampled_at
            self.tps.append(ov.tps)
            self.hit.append(ov.hit_ratio_interval if ov.hit_ratio_interval is not None else None)
            conns = frame.connections
            self.active.append(float(conns.counts_by_state.get("active", 0))
                               if isinstance(conns, Connections) else None)
            if ov.deadlocks_delta:
                self.deadlock_seen_at = frame.sampled_at
        self.redraw()

    def series(self) -> tuple:
        """The sparklines' history (kept while rewound, put back on return to live)."""
        return (list(self.tps), list(self.active), list(self.hit), self.deadlock_seen_at, self._last_overview_at)

    def set_series(self, saved: tuple | None = None) -> None:
        """Put a history back; None: start the sparklines afresh (a jump in time)."""
        tps, active, hit, dl, last = saved or ([], [], [], None, None)
        for dq, values in ((self.tps, tps), (self.active, active), (self.hit, hit)):
            dq.clear()
            dq.extend(values)
        self.deadlock_seen_at, self._last_overview_at = dl, last

    def set_state(self, *, link: Link | None = None, paused: bool | None = None,
                  refresh_s: float | None = None, read_only: bool | None = None,
                  replay: str | None = None) -> None:
        if replay is not None:
            self.replay = replay
        if link is not None:
            self.link = link
        if paused is not None:
            self.paused = paused
        if refresh_s is not None:
            self.refresh_s = refresh_s
        if read_only is not None:
            self.read_only = read_only
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    # -- drawing ------------------------------------------------------------
    def _late_after(self) -> float:
        """Seconds after a draw when the next frame is late (a second past the refresh
        interval: paused, a slow poll, a stall); a stall counts up every second."""
        return 1.0 if self.link.state == "stalled" else max(1.5, self.refresh_s + 1.0)

    def tick(self) -> None:
        """Set the data age moving once the next frame is late. Between frames on time the
        header stays as drawn: at the default 2 s refresh a repaint of the age in between
        was half of the console's screen updates."""
        self._tick_at = None
        if self.replay or not self.is_attached:
            return
        if time.monotonic() - self._drawn_at >= self._late_after() - 0.05:
            self.redraw()
        else:
            self._schedule_tick(self._drawn_at + self._late_after() - time.monotonic())

    def _schedule_tick(self, delay: float) -> None:
        """One timer, for the moment the header would change on its own, moved at each draw
        (a 1 s interval woke the event loop between frames to find nothing to do: twice a
        frame at the default refresh)."""
        if self._tick_at is not None:
            self._tick_at.cancel()
        try:
            self._tick_at = asyncio.get_running_loop().call_later(max(delay, 0.05), self.tick)
        except RuntimeError:    # no event loop (drawn outside the app)
            self._tick_at = None

    def on_unmount(self) -> None:
        if self._tick_at is not None:
            self._tick_at.cancel()
            self._tick_at = None

    def redraw(self) -> None:
        self._drawn_at = time.monotonic()
        self._schedule_tick(self._late_after())
        width = max(self.size.width - 2, 40) if self.size.width else 118
        # fixed height: a repaint of the lines that changed (TextLines skips an unchanged text), never a layout
        # two parts: the identity line is rendered again only when it changed (rarely)
        self.update(Group(self._identity(width), self._pulse(width)))

    def _status(self) -> Text:
        t = Text()
        if self.replay:
            # a recorded moment: when it was, instead of LIVE and an age
            t.append(f" {self.replay} ", style="bold white on magenta")
            return t
        if self.link.state == "stalled":
            # no frame arrives to age: what the user must know, in words, instead of LIVE and an age
            waited = time.monotonic() - (self.link.since or time.monotonic())
            t.append(f" STALLED {seconds(waited)}: {self.link.reason} ", style="bold white on red")
            if self.read_only:
                t.append(" RO", style="bold cyan")
            return t
        if self.link.state == "reconnecting":
            t.append(" RECONNECTING… ", style="bold black on yellow")
        elif self.link.state == "connecting":
            t.append(" connecting… ", style="bold black on yellow")
        elif self.paused:
            t.append(" PAUSED ", style="bold black on yellow")
        else:
            t.append(" LIVE ", style="bold black on green")
        t.append(f" {self.refresh_s:g}s")
        if self.read_only:
            t.append(" RO", style="bold cyan")
        if self.frame is not None:
            age = (self.clock() - self.frame.sampled_at).total_seconds()
            t.append(f" age {fmt.duration(max(age, 0.0))}",
                     style="bold yellow" if age > max(3 * self.refresh_s, 5) else "")
        return t

    def _identity(self, width: int) -> Text:
        status = self._status()
        ov = self.frame.overview if self.frame else None
        left = Text()
        if isinstance(ov, Overview):
            r = ov.row
            left.append(f"PG {_short_version(r.version)}", style="bold")
            if r.is_standby:
                left.append(" standby", style="bold magenta")
            up = f" up {_uptime(ov.uptime_s)}"
            room = width - status.cell_len - len(left.plain) - len(up) - 2
            left.append(" " + fit_target(self.target, max(room, 12)))
            left.append(up)
        else:
            left.append(fit_target(self.target, max(width - status.cell_len - 2, 12)), style="bold")
        pad = width - left.cell_len - status.cell_len
        return Text.assemble(left, " " * max(pad, 1), status)

    def _pulse(self, width: int) -> Text:
        ov = self.frame.overview if self.frame else None
        if not isinstance(ov, Overview):
            return Text("waiting for the first sample…" if self.frame is None else "overview unavailable",
                        style="dim")
        r = ov.row
        use = ov.connection_use
        conn_style = "bold red" if use >= 0.95 else "bold yellow" if use >= 0.8 else "bold"
        usable = ov.usable_connections
        hit = ov.hit_ratio_interval if ov.hit_ratio_interval is not None else ov.hit_ratio
        hit_style = "bold red" if hit is not None and hit < 0.9 else "bold yellow" if (
            hit is not None and hit < 0.99) else "bold"
        conns = self.frame.connections
        act = conns.counts_by_state.get("active", 0) if isinstance(conns, Connections) else None
        hidden = conns.counts_by_state.get("hidden", 0) if isinstance(conns, Connections) else 0
        cache = self.frame.cache
        idx = getattr(cache, "idx_ratio_interval", None)
        if idx is None:
            idx = getattr(cache, "idx_ratio", None)
        recent_dl = (self.deadlock_seen_at is not None and self.frame is not None
                     and (self.frame.sampled_at - self.deadlock_seen_at).total_seconds() < 300)
        parts: list[tuple[str, str, str | None]] = [  # (label, value, spark key)
            # other roles' sessions are counted but their state is hidden from this role: say so
            ("conns ", f"{r.connections_used}/{usable}" + (f" ({hidden} hidden)" if hidden else ""), None),
            ("tps ", fmt.num(ov.tps), "tps"),
            ("act ", fmt.num(act), "act"),
            ("hit ", fmt.pct(hit, 1), "hit"),
            ("idx ", fmt.pct(idx, 1), None),
            ("dl ", f"{r.deadlocks}", None),
        ]
        fixed = sum(len(a) + len(b) + 2 for a, b, _ in parts)
        spark_w = max(0, min(30, (width - fixed) // 3 - 1))
        styles = {"conns ": conn_style, "hit ": hit_style, "dl ": "bold red" if recent_dl else "bold"}
        series = {"tps": (self.tps, 0.0, 0.0), "act": (self.active, 0.0, 0.0), "hit": (self.hit, None, 0.02)}
        pieces: list[tuple[str, str]] = []
        for label, value, spark in parts:
            if pieces:
                pieces.append(("  ", ""))
            pieces.append((label, "dim"))
            pieces.append((value, styles.get(label, "bold")))
            if spark and spark_w >= 4:
                values, floor, min_span = series[spark]
                last = list(islice(values, max(len(values) - spark_w, 0), None))   # what it draws
                pieces.append((" " + sparkline(last, spark_w, self.ascii, floor, min_span), "cyan"))
        t = assembled(pieces)
        t.truncate(width)
        return t


def assembled(pieces: list[tuple[str, str]]) -> Text:
    """Text.assemble of (text, style) pairs, made at once: the pulse line is ~20 pieces
    redrawn every refresh, and an append each cost half of building it."""
    plain = "".join(text for text, _ in pieces)
    if not plain.isprintable():   # control characters: Text strips them, moving the spans
        return Text.assemble(*pieces)
    spans, pos = [], 0
    for text, style in pieces:
        if style and text:
            spans.append(Span(pos, pos + len(text), style))
        pos += len(text)
    return Text(plain, spans=spans)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
