"""Moving in time: the live console's rewind (`[`, `]`, Esc) and `pgconsole replay`.

Mixed into ConsoleApp. A recorded moment is shown through a RecordedSource (the data
core's): the panes, the detail panel and the Findings pane read it as they read the live
server, and whatever would act on the server is disabled (nothing to cancel in the past).
Live, the poll loop goes on while the console is rewound: the frames are recorded, not
drawn, until Esc (or `]` past the newest moment) returns to them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import PgConsoleError
from ..history.replay import Marker, RecordedSource, read_markers
from ..history.times import parse_duration, parse_time
from ..snapshots import Frame
from ..source import DataSource, LiveSource, moment_label
from .widgets.timeline import TimelineBar, clock

if TYPE_CHECKING:
    from ..history.stream import Moment

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
PLAY_TICK_S = 0.25
TIME_ACTIONS = frozenset({"back", "forward", "go_live", "toggle_play", "play_faster", "play_slower",
                          "goto_time", "next_marker", "prev_marker"})
LIVE_ONLY = frozenset({"toggle_pause", "refresh_now", "faster", "slower", "recheck"})


def app_any(obj: object) -> Any:
    return obj


class TimeTravel:
    """State and keys of the moment shown (None: live)."""

    recorded: RecordedSource | None = None
    replay_only = False          # `pgconsole replay`: never live
    playing = False
    speed = 1.0
    markers: list[Marker] = []
    _play_t: datetime | None = None
    _play_timer: Any = None
    _live_frame: Frame | None = None
    _live_series: tuple[object, ...] | None = None          # the header's sparklines, live, while rewound
    _timeline_bar: TimelineBar | None = None

    # provided by ConsoleApp
    source: DataSource | None
    frame: Frame | None

    @property
    def time_travelling(self) -> bool:
        return self.recorded is not None

    @property
    def data(self) -> DataSource | None:
        """What the panes read: the moment shown, or the live server."""
        return self.recorded if self.recorded is not None else self.source

    def rewind_available(self) -> bool:
        return isinstance(self.source, LiveSource) and self.source.tap is not None \
            and self.source.tap.frames > 1

    def time_action_state(self, action: str, prompt_open: bool = False) -> bool | None:
        """check_action for the time keys (False: hidden from the footer)."""
        app: Any = self
        if not prompt_open and app.screen is not app.screen_stack[0]:
            return False       # a prompt is open: its keys are typed text
        if action in ("back", "forward"):
            return self.time_travelling or (action == "back" and self.rewind_available())
        if action == "go_live":
            return self.time_travelling and not self.replay_only
        return self.time_travelling

    # -- entering and leaving ----------------------------------------------------------
    async def start_replay(self, source: RecordedSource, at: datetime | None = None) -> None:
        """Show the first moment at once; the timeline's markers follow (read in a thread)."""
        self.recorded, self.replay_only = source, True
        self.markers = []
        await self._show(await source.seek(at or source.first))
        app: Any = self
        if source.where is None:
            self.markers = await source.markers()
            self._redraw_bar()
            return
        where, server = source.where, source.server

        def read() -> None:
            try:
                marks = read_markers(where, server)
            except Exception as exc:  # noqa: BLE001 - the replay goes on without its markers
                app.call_from_thread(app.notify, f"timeline markers unavailable: {exc}", severity="warning")
                return
            app.call_from_thread(self._markers_read, marks)

        app.call_after_refresh(lambda: app.run_worker(read, thread=True, group="markers", exit_on_error=False))

    def _markers_read(self, marks: list[Marker]) -> None:
        self.markers = marks
        self._redraw_bar()

    async def action_back(self) -> None:
        if self.recorded is None:
            if not self.rewind_available():
                return
            assert isinstance(self.source, LiveSource) and self.source.tap is not None
            rec = RecordedSource(self.source.tap.recording(), live_catalog=self.source.last_catalog)
            self._live_frame = self.frame
            self._live_series = app_any(self).header.series()
            self.recorded = rec
            self._forget_extras()
            self.markers = await rec.markers()
            await rec.seek(rec.last)
        self._stop_playing()
        m = await self.recorded.step(-1)
        if m is None:
            app: Any = self
            app.notify("the oldest moment recorded", timeout=2)
        assert self.recorded.moment is not None
        await self._show(self.recorded.moment)

    async def action_forward(self) -> None:
        if self.recorded is None:
            return
        self._stop_playing()
        m = await self.recorded.step(+1)
        if m is None:
            if not self.replay_only:
                self.action_go_live()
                return
            app: Any = self
            app.notify("the end of the recording", timeout=2)
            return
        await self._show(m)

    def action_go_live(self) -> None:
        if self.recorded is None or self.replay_only:
            return
        self._stop_playing()
        self.recorded = None
        self._forget_extras()
        app: Any = self
        app.header.set_state(replay="")
        app.header.set_series(self._live_series)
        self._shown = None
        if self._timeline_bar is not None:
            self._timeline_bar.display = False
        frame = self._live_frame
        self._live_frame = None
        if frame is not None:
            app.show_frame(frame)
        app.refresh_bindings()

    def on_live_frame_while_away(self, frame: Frame) -> None:
        """A live frame while rewound: kept (and recorded by the source), not drawn."""
        self._live_frame = frame
        if self.recorded is not None and self.recorded.moment is not None:
            self._draw_bar(self.recorded.moment.at)

    # -- playing ------------------------------------------------------------------------
    def action_toggle_play(self) -> None:
        if self.recorded is None:
            return
        if self.playing:
            self._stop_playing()
        else:
            self.playing = True
            self._play_t = self.recorded.moment.at if self.recorded.moment else None
            app: Any = self
            self._play_timer = app.set_interval(PLAY_TICK_S, self._play_tick)
        self._redraw_bar()

    def _stop_playing(self) -> None:
        self.playing = False
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None

    async def _play_tick(self) -> None:
        rec = self.recorded
        if rec is None or not self.playing or rec.moment is None:
            self._stop_playing()
            return
        t = (self._play_t or rec.moment.at) + timedelta(seconds=PLAY_TICK_S * self.speed)
        self._play_t = t
        if t >= rec.last and self.replay_only:
            await rec.recording.refresh()          # a recording still being written goes on
        if t >= rec.last:
            self._stop_playing()
            m = await rec.seek(rec.last)
            await self._show(m)
            return
        m = await rec.seek(t)
        if m.id != getattr(self._shown, "id", None):
            await self._show(m)
        else:
            self._redraw_bar()

    def _set_speed(self, faster: bool) -> None:
        i = min(range(len(SPEEDS)), key=lambda j: abs(SPEEDS[j] - self.speed))
        self.speed = SPEEDS[min(i + 1, len(SPEEDS) - 1) if faster else max(i - 1, 0)]
        self._redraw_bar()

    def action_play_faster(self) -> None:
        self._set_speed(True)

    def action_play_slower(self) -> None:
        self._set_speed(False)

    # -- jumping ------------------------------------------------------------------------
    def action_goto_time(self) -> None:
        rec = self.recorded
        if rec is None:
            return
        from .screens.goto import GotoScreen
        app: Any = self

        async def chosen(text: str | None) -> None:
            if not text or self.recorded is None:
                return
            try:
                t = self.parse_jump(text)
            except PgConsoleError as exc:
                app.notify(str(exc), severity="warning")
                return
            await self.jump(t)

        app.push_screen(GotoScreen(clock(rec.first), clock(rec.last)), chosen)

    def parse_jump(self, text: str) -> datetime:
        rec = self.recorded
        assert rec is not None
        t = text.strip()
        here = rec.moment.at if rec.moment is not None else rec.last
        if t[:1] in "+-" and len(t) > 1:
            seconds = parse_duration(t[1:])
            return here + timedelta(seconds=seconds if t[0] == "+" else -seconds)
        return parse_time(t, rec.last)

    async def jump(self, t: datetime) -> None:
        rec = self.recorded
        if rec is None:
            return
        self._stop_playing()
        await self._show(await rec.seek(t))

    async def action_next_marker(self) -> None:
        await self._marker(+1)

    async def action_prev_marker(self) -> None:
        await self._marker(-1)

    async def _marker(self, direction: int) -> None:
        rec = self.recorded
        if rec is None or rec.moment is None:
            return
        if not self.replay_only:
            self.markers = await rec.markers()     # the memory goes on growing
        here = rec.moment.at
        hits = [m for m in self.markers if (m.at > here if direction > 0 else m.at < here)]
        app: Any = self
        if not hits:
            app.notify("no further marker" if direction > 0 else "no earlier marker", timeout=2)
            return
        target = hits[0] if direction > 0 else hits[-1]
        await self.jump(target.at)
        app.notify(f"{clock(target.at)} {target.text}", timeout=3)

    # -- drawing ------------------------------------------------------------------------
    _shown: "Moment | None" = None

    async def _show(self, m: "Moment") -> None:
        app: Any = self
        prev, self._shown = self._shown, m
        if prev is None or m.at < prev.at or m.id - prev.id > 32:
            app.header.set_series(None)    # a jump: the sparklines start again from here
        prefix = "REPLAY" if self.replay_only else "REWOUND"
        app.header.set_state(replay=f"{prefix} {moment_label(m.at)}")
        app.show_frame(m.frame)
        self._draw_bar(m.at)
        if prev is None:
            app.refresh_bindings()      # the footer's keys change on entering time (not on every frame:
            # the footer is composed again each time)

    def _redraw_bar(self) -> None:
        if self.recorded is not None and self.recorded.moment is not None:
            self._draw_bar(self.recorded.moment.at)

    def _draw_bar(self, at: datetime) -> None:
        bar, rec = self._timeline_bar, self.recorded
        if bar is None or rec is None:
            return
        if not bar.display:
            bar.display = True
        bar.show(rec.first, rec.last, at, self.markers, playing=self.playing, speed=self.speed,
                 live_behind=not self.replay_only)

    def _forget_extras(self) -> None:
        """Detail read from the other side of time (the live locks of a session) is not this moment's."""
        app: Any = self
        for pane in app.panes:
            pane.extras.clear()
        app._extra_seq.clear()
