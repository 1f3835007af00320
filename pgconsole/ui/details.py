"""On-demand detail of the selected row (the locks a session holds, a table's exact bloat):
read through the data source as a worker, re-read once it has aged. Mixed into ConsoleApp."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

from ..errors import PgConsoleError, describe
from ..snapshots import Backend, Statements
from .messages import DetailLoaded, LoadDetail, Read
from .widgets.backend import statements_for

EXTRA_MAX_AGE_POLLS = 5   # re-read a selected row's locks after this many refreshes
EXTRA_DEBOUNCE_S = 0.3
# a selected session whose statement has no pg_stat_statements entry in the frame asks for a
# read at most this often (hidden, the view is read once a minute: an entry made since would wait)
STATEMENTS_ASK_EVERY_S = 15.0


class DetailLoading:
    _extra_timer: Any = None
    _extra_quiet: dict[tuple[str, str, str], Any] | None = None   # each read's pane.extra_quiet()
    _statements_asked = float("-inf")   # monotonic time of the last ask_statements read

    def ask_statements(self) -> None:
        """The session just selected runs a statement pg_stat_statements has no entry for in
        this frame: read the view now rather than at its hidden pace (live only)."""
        app: Any = self
        b = app.current_pane.selected
        if (not isinstance(b, Backend) or b.query_id is None or app.poller is None or app.time_travelling
                or app.frame is None or not isinstance(app.frame.statements, Statements)
                or statements_for(b, app.frame)):
            return
        now = time.monotonic()
        if now - self._statements_asked >= STATEMENTS_ASK_EVERY_S:
            self._statements_asked = now
            app.poller.refresh_now(("statements",))

    def _schedule_extra(self) -> None:
        app: Any = self
        if self._extra_timer is not None:
            self._extra_timer.stop()
        self._extra_timer = app.set_timer(EXTRA_DEBOUNCE_S, lambda: self._refresh_extra(stale_only=False))

    def _refresh_extra(self, stale_only: bool) -> None:
        from textual.css.query import NoMatches
        app: Any = self
        try:
            pane = app.current_pane
            shown = app._detail.display
        except NoMatches:
            return  # a debounce timer firing while the app tears its widgets down
        key = pane.selected_key
        if key is None or app.data is None or not shown:
            return
        req = pane.extra_request(key)
        if req is None:
            return
        kind, read = req
        seq = app.frame.seq if app.frame else 0
        loaded = app._extra_seq.get((pane.pane_id, kind, key))
        # a recorded moment: what was loaded belongs to that moment alone
        max_age = 1 if app.time_travelling else EXTRA_MAX_AGE_POLLS
        fresh = loaded is not None and 0 <= seq - loaded < max_age
        if stale_only:
            # a new frame: re-read only what this row already showed, once it has aged
            if loaded is None or fresh:
                return
            # ...unless the row shows it cannot have changed (a session that ran nothing since)
            now = None if app.time_travelling else pane.extra_quiet(kind, key)
            if now is not None and now.same((self._extra_quiet or {}).get((pane.pane_id, kind, key))):
                return
        elif fresh and (kind, key) in pane.extras:
            return
        self.load_detail(pane.pane_id, key, kind, read)

    def on_load_detail(self, message: LoadDetail) -> None:
        self.load_detail(message.pane, message.key, message.kind, message.read, message.announce)

    def load_detail(self, pane: str, key: str, kind: str, read: Read, announce: bool = False) -> None:
        app: Any = self
        app._extra_seq[(pane, kind, key)] = app.frame.seq if app.frame else 0
        if self._extra_quiet is None:
            self._extra_quiet = {}
        shown = next((p for p in app.panes if p.pane_id == pane), None)
        self._extra_quiet[(pane, kind, key)] = (None if shown is None or app.time_travelling
                                                else shown.extra_quiet(kind, key))
        # the function, not a coroutine: an exclusive worker cancelled before it starts (the
        # next row's read) would leave its coroutine never awaited (a RuntimeWarning)
        app.run_worker(partial(self._load_detail, pane, key, kind, read, announce), group=f"detail-{kind}",
                       exclusive=True, exit_on_error=False)

    async def _load_detail(self, pane: str, key: str, kind: str, read: Read, announce: bool) -> None:
        app: Any = self
        try:
            source = app.data
            if source is None:
                raise PgConsoleError("not connected to a server")
            value: Any = await read(source)
        except PgConsoleError as exc:
            value = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown in the detail panel
            value = describe(exc)
        app.post_message(DetailLoaded(pane, key, kind, value))
        if announce:
            ok = not isinstance(value, str)
            app.notify("done: see the detail panel" if ok else value, title=kind,
                       severity="information" if ok else "error")

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        app: Any = self
        for pane in app.panes:
            if pane.pane_id == message.pane:
                pane.extras[(message.kind, message.key)] = message.value
                if pane is app.current_pane and pane.selected_key == message.key:
                    app.update_detail()
