"""The live console: header, pane bar, panes, detail panel, footer; one poll loop.

The app only renders Frames and asks for actions. Reads go through the data core's
DataSource (`poll()`, and the on-demand reads panes ask for with LoadDetail: locks held,
exact bloat, the findings' catalog), live or recorded (timetravel.py); changes go through an
ActionSession on its own connection. Nothing here waits on the database in the
event loop's way: the poll loop and every action run as Textual workers.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Callable, Iterable

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from ..actions import ActionSession
from ..errors import describe
from ..monitor import Monitor
from ..snapshots import Frame
from ..history.replay import RecordedSource
from ..source import DataSource, as_source
from ..untrusted import visible
from . import keys, widgets  # noqa: F401 - importing widgets registers the panes
from .details import DetailLoading
from .messages import (ConfirmAction, ConfirmVacuum, ExplainStatement, FrameReady, IdleSessionsShown, Link,
                       LinkChanged)
from .ascii import AsciiGlyphs
from .palette import palette_commands
from .poller import Poller, step
from .server_actions import ServerActions
from .timetravel import LIVE_ONLY, TIME_ACTIONS, TimeTravel
from .screens.filter import FilterScreen
from .screens.help import HelpScreen, help_renderable
from .screens.load import LoadPanel
from .screens.text import TextScreen
from .driver import quiet_driver_class
from .widgets.detail import DetailPanel, unfold
from .widgets.footer import ConsoleFooter
from .widgets.header import ConsoleHeader, seconds, utc_now
from .widgets.pane import PANES, Pane
from .widgets.safe import NoControlCharacters, SafeStatic as Static
from .widgets.panebar import PaneBar
from .widgets.styled import SolidLines
from .widgets.table import KeyedTable
from .widgets.timeline import TimelineBar

def number_keys() -> list[keys.Key]:
    return [keys.pane_key(i, p.pane_id, p.title) for i, p in enumerate(PANES, 1) if i <= 9]


class PaneSwitcher(SolidLines, ContentSwitcher):
    """The panes' switcher (its own lines: see SolidLines)."""


class ConsoleScreen(SolidLines, Screen):
    """The console's base screen (its own lines: see SolidLines)."""


class ConsoleApp(ServerActions, DetailLoading, TimeTravel, App):
    CSS_PATH = "console.tcss"
    TITLE = "pgconsole"
    # the time keys first: Esc returns to live before it clears a filter, + and - set the speed
    BINDINGS = keys.bindings("time") + keys.bindings("console") + [keys.binding(k) for k in number_keys()]

    def __init__(self, source: DataSource | Monitor | None, actions: ActionSession | None = None, *,
                 target: str = "", refresh_s: float = 2.0, read_only: bool = False,
                 clock: Callable[[], datetime] = utc_now, ascii: bool = False, poll_timeout_s: float = 30.0,
                 start_polling: bool = True, replay: RecordedSource | None = None,
                 replay_at: datetime | None = None) -> None:
        super().__init__()
        self._replay, self._replay_at = replay, replay_at
        self.source = as_source(source)
        self.actions = actions
        self.target = target
        self.read_only = read_only
        self.clock = clock
        self.ascii = ascii
        self.frame: Frame | None = None
        self.poller = Poller(self.source, refresh_s, self._frame_from_poller, self._link_from_poller,
                             timeout_s=poll_timeout_s) if self.source is not None else None
        self.refresh_s = refresh_s
        self.start_polling = start_polling
        self._errors_seen: set[str] = set()
        self._extra_seq: dict[tuple[str, str, str], int] = {}
        self._link_state = "connecting"
        self._stalled_since: float | None = None
        self._panes: list[Pane] = []
        # the widgets every frame touches, kept at hand (query_one walks the DOM each time)
        self._header = ConsoleHeader(self.target, self.clock, ascii=self.ascii, id="header")
        self._panebar = PaneBar(id="panebar")
        self._switcher = PaneSwitcher(id="panes", initial=f"pane-{PANES[0].pane_id}")
        self._detail = DetailPanel(id="detail")
        self._timeline_bar = TimelineBar(ascii=ascii, id="timeline")
        self._pane_by_id: dict[str, Pane] = {}
        self._filters.append(NoControlCharacters())   # the backstop (see widgets/safe.py)
        if ascii:
            self._filters.append(AsciiGlyphs())   # every line, whoever drew it (see ascii.py)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Every notification of the console: its text may quote the server (a table name, an
        error), so it is never read as markup and shows control characters as escapes."""
        super().notify(visible(message, multiline=True), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    def get_driver_class(self):
        # Textual's Linux driver polls the keyboard ten times a second; ours sleeps until a key
        return quiet_driver_class(super().get_driver_class())

    # -- layout --------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return ConsoleScreen(id="_default")

    def compose(self) -> ComposeResult:
        yield self._header
        yield Static("", id="banner")
        yield self._timeline_bar
        yield self._panebar
        with self._switcher:
            for cls in PANES:
                pane = cls()
                self._pane_by_id[pane.id or ""] = pane
                yield pane
        yield self._detail
        yield LoadPanel(ascii=self.ascii, id="load")
        yield ConsoleFooter(compact=True)

    async def on_mount(self) -> None:
        self._panebar.set_panes([(p.pane_id, p.title, p.short) for p in PANES], PANES[0].pane_id)
        self.header.set_state(refresh_s=self.refresh_s, read_only=self.read_only)
        if self.ascii:
            self.screen.add_class("-ascii")
        self.current_pane.table.focus()
        self._panes = list(self._pane_by_id.values())
        # idle sessions are hidden until `i`: while they are, the poll need not read them
        self.want_idle_sessions(any(getattr(p, "show_idle", False) for p in self._panes))
        self._show_views(self.current_pane)
        if self._replay is not None:
            await self.start_replay(self._replay, self._replay_at)
        elif self.poller is not None and self.start_polling:
            self.poll_loop()

    # -- what the panes ask for (messages: they never call the app) ----------------------
    def on_confirm_action(self, m: ConfirmAction) -> None:
        self.confirm_action(m.title, m.body, m.run, danger=m.danger, refresh=m.refresh)

    def on_confirm_vacuum(self, m: ConfirmVacuum) -> None:
        self.confirm_vacuum(m.table, m.label, m.dead)

    def on_explain_statement(self, m: ExplainStatement) -> None:
        self.run_explain(m.statement, m.database)

    def on_idle_sessions_shown(self, m: IdleSessionsShown) -> None:
        self.want_idle_sessions(m.shown)

    def want_idle_sessions(self, shown: bool) -> None:
        """Tell the data core whether idle sessions are on screen; fetch them now if they are."""
        if self.source is None:
            return
        self.source.include_idle_sessions(shown)
        if shown and self.poller is not None and self.frame is not None:
            self.poller.refresh_now(("connections",))

    def _show_views(self, pane: Pane) -> None:
        """Tell the data core which views are on screen: the others refresh less often."""
        if self.source is None:
            return
        stale = self.source.show_views(pane.shown_views())
        if stale and self.poller is not None and self.frame is not None:
            self.poller.refresh_now(tuple(stale))

    @property
    def header(self) -> ConsoleHeader:
        return self._header

    @property
    def panes(self) -> list[Pane]:
        return self._panes

    @property
    def current_pane(self) -> Pane:
        if not self._switcher.is_attached:
            raise NoMatches("the console's widgets are gone (shutting down)")
        return self._pane_by_id[self._switcher.current or ""]

    @property
    def caps(self):
        """The capabilities of the server shown (a recorded moment: as recorded)."""
        return self.data.capabilities if self.data is not None else None

    def own_pids(self) -> frozenset[int]:
        pids = set(self.actions.own_pids) if self.actions is not None else set()
        if self.frame is not None and self.frame.own_pid:
            pids.add(self.frame.own_pid)
        return frozenset(pids)

    # -- the poll loop -----------------------------------------------------------------
    @work(exclusive=True, group="poll", exit_on_error=False)
    async def poll_loop(self) -> None:
        assert self.poller is not None
        await self.poller.run()

    def _frame_from_poller(self, frame: Frame) -> None:
        self.post_message(FrameReady(frame))

    def _link_from_poller(self, link: Link) -> None:
        self.post_message(LinkChanged(link))

    def on_frame_ready(self, message: FrameReady) -> None:
        if self.time_travelling:
            self.on_live_frame_while_away(message.frame)
            return
        self.show_frame(message.frame)

    def show_frame(self, frame: Frame) -> None:
        """Render one Frame (the poll loop's, or a canned one in tests)."""
        if (not self.time_travelling and self.frame is not None and frame.own_pid and self.frame.own_pid
                and frame.own_pid != self.frame.own_pid and self.poller is not None
                and self.poller.link.state == "live"):
            # the data core reopened a session the server had closed (terminated?)
            self.notify(f"monitoring session {self.frame.own_pid} was closed by the server; "
                        f"reconnected as {frame.own_pid}", severity="warning", timeout=6)
        self.frame = frame
        try:
            current = self.current_pane
        except NoMatches:
            return  # shutting down: the widgets are gone
        with self.batch_update():
            self.header.show_frame(frame)
            badges = {}
            for pane in self.panes:
                pane.show_frame(frame, redraw=pane is current)
                badge = pane.badge(frame)
                if badge:
                    badges[pane.pane_id] = badge
            self._panebar.set_badges(badges)
            self.update_detail()
        if not self.time_travelling:
            self._notify_errors(frame.errors)
        self._refresh_extra(stale_only=True)

    def _notify_errors(self, errors: tuple[str, ...]) -> None:
        for e in errors:
            if e not in self._errors_seen:
                self.notify(e, title="query failed (will retry)", severity="warning", timeout=8)
        self._errors_seen = set(errors)

    def on_link_changed(self, message: LinkChanged) -> None:
        link = message.link
        was, self._link_state = self._link_state, link.state
        try:
            self.header.set_state(link=link)
            banner = self.query_one("#banner", Static)
        except NoMatches:
            return  # the poll loop's last word arriving while the app tears down
        if link.state == "reconnecting":
            banner.update(Text(f"connection lost: {link.reason} — reconnecting (attempt {link.attempt}, "
                               f"next in {link.retry_in:.0f}s; r retries now)", style="bold"))
            banner.display = True
        else:
            banner.display = False
            if link.state == "live" and was == "reconnecting":
                self.notify("reconnected", severity="information", timeout=3)
            elif was == "stalled" and link.state == "live":
                waited = time.monotonic() - (self._stalled_since or time.monotonic())
                self.notify(f"the server answers again (no answer for {seconds(waited)})",
                            severity="information", timeout=8)
        if link.state == "stalled":
            self._stalled_since = link.since

    # -- panes and detail --------------------------------------------------------------
    def action_show_pane(self, pane_id: str) -> None:
        switcher = self._switcher
        if switcher.current == f"pane-{pane_id}":
            return
        switcher.current = f"pane-{pane_id}"
        pane = self.current_pane
        self._panebar.set_current(pane_id)
        self._show_views(pane)
        if self.frame is not None and pane.drawn_seq != self.frame.seq:
            pane.redraw()
        pane.table.focus()
        self.update_detail()
        self._schedule_extra()
        self.refresh_bindings()

    def update_detail(self) -> None:
        detail = self._detail
        if not detail.display:
            return
        pane = self.current_pane
        try:
            body = pane.detail(pane.selected_key)
        except Exception as exc:  # noqa: BLE001 - a detail bug must not take the console down
            body = Text(f"detail unavailable: {describe(exc)}", style="red")
        detail.show(body)

    @on(KeyedTable.RowHighlighted)
    def _row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        if event.table is self.current_pane.table:
            self.update_detail()
            self._schedule_extra()
            self.ask_statements()

    @on(KeyedTable.RowSelected)
    def _row_selected(self, event: KeyedTable.RowSelected) -> None:
        if event.table is self.current_pane.table:
            self.action_zoom()

    # -- console keys ---------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        if self.poller is None:
            return
        self.poller.set_paused(not self.poller.paused)
        self.header.set_state(paused=self.poller.paused)

    def action_refresh_now(self) -> None:
        if self.poller is not None:
            view = self.current_pane.view
            self.poller.refresh_now((view,) if view else ())

    def _set_refresh(self, faster: bool) -> None:
        self.refresh_s = step(self.refresh_s, faster)
        if self.poller is not None:
            self.poller.set_refresh(self.refresh_s)
        self.header.set_state(refresh_s=self.refresh_s)

    def action_faster(self) -> None:
        self._set_refresh(True)

    def action_slower(self) -> None:
        self._set_refresh(False)

    def action_filter(self) -> None:
        pane = self.current_pane

        def apply(text: str | None) -> None:
            if text is not None:
                pane.set_filter(text)
                self.update_detail()

        self.push_screen(FilterScreen(pane.title, pane.filter.text, pane.FILTER_FIELDS), apply)

    def action_clear_filter(self) -> None:
        pane = self.current_pane
        if pane.filter:
            pane.set_filter("")
            self.update_detail()

    def action_toggle_detail(self) -> None:
        detail = self.query_one(DetailPanel)
        detail.display = not detail.display
        self.update_detail()

    def action_zoom(self) -> None:
        pane = self.current_pane
        body = unfold(pane.detail(pane.selected_key))
        if body is not None:
            self.push_screen(TextScreen(f"{pane.title}: {visible(pane.selected_key)}", body))

    def action_help(self) -> None:
        body = help_renderable([(p.pane_id, p.title) for p in PANES], self.read_only, number_keys())
        self.push_screen(HelpScreen(body))

    # -- seeding (its own session, one transaction) ---------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in TIME_ACTIONS:
            return self.time_action_state(action)
        if self.time_travelling and (action in keys.WRITES or action in LIVE_ONLY):
            return False  # nothing to act on in the past (hidden; the palette says why)
        if action in keys.WRITES and self.read_only:
            return None   # greyed out; the palette entry says why
        return True

    def action_seed(self) -> None:
        if self.read_only:
            self.notify("Seed: disabled by --read-only", severity="warning")
            return
        if self.actions is None:
            self.notify("Seed: no action session here", severity="warning")
            return
        from .screens.seed import SeedScreen, SeedSetupScreen
        params, limits = self.actions.params, self.actions.limits

        def chosen(plan) -> None:
            if plan is not None:
                self.push_screen(SeedScreen(params, limits, plan),
                                 lambda _s: self.poller.refresh_now(()) if self.poller is not None else None)

        self.push_screen(SeedSetupScreen(), chosen)

    # -- load (pgbench in a docked panel; the run outlives hiding it) ----------------------
    def action_load(self) -> None:
        panel = self.query_one(LoadPanel)
        if self.read_only:
            self.notify("Load: disabled by --read-only", severity="warning")
            return
        if self.actions is None:
            self.notify("Load: no action session here", severity="warning")
            return
        panel.params, panel.limits = self.actions.params, self.actions.limits
        panel.display = not panel.display
        if panel.display:
            panel.query_one("#load-clients").focus()
        else:
            self.current_pane.table.focus()

    def action_load_stop(self) -> None:
        self.query_one(LoadPanel).stop()

    # -- command palette --------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, Screen) and screen is self.screen_stack[0]:
            yield from palette_commands(self, number_keys())
