"""Actions on the server, as the app asks for them: confirm first, run on the action
session in a worker, report the outcome as a notification (never a crash)."""

from __future__ import annotations

import time
from functools import partial
from typing import Awaitable, Callable, Iterable

from rich.console import Group, RenderableType
from rich.text import Text

from ..actions import ActionSession
from ..errors import PgConsoleError, describe
from ..explain_guard import ExplainRefused
from ..untrusted import one_line
from .screens.confirm import ConfirmScreen
from .screens.text import TextScreen


class ServerActions:
    """Mixed into ConsoleApp (which provides actions, caps, poller, read_only, notify…)."""

    def confirm_action(self, title: str, body: RenderableType,
                       run: Callable[[ActionSession], Awaitable[str]], danger: bool = False,
                       refresh: Iterable[str] = ()) -> None:
        """Ask, then run `run(actions)` on the action session; the outcome is a notification."""
        if self.time_travelling:
            self.notify(f"{title}: a recorded moment is shown (nothing to act on in the past)", severity="warning")
            return
        if self.read_only:
            self.notify(f"{title}: disabled by --read-only", severity="warning")
            return
        if self.actions is None:
            self.notify(f"{title}: no action session here", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._run_action(title, run, tuple(refresh)), group="actions",
                                exit_on_error=False)

        self.push_screen(ConfirmScreen(title, body, danger=danger), answered)

    async def _run_action(self, title: str, run: Callable, refresh: tuple[str, ...]) -> None:
        assert self.actions is not None
        try:
            message = await run(self.actions)
            self.notify(message, title=title)
        except PgConsoleError as exc:
            self.notify(str(exc), title=f"{title} failed", severity="error", timeout=10)
        except Exception as exc:  # noqa: BLE001 - never a crash: say it
            self.notify(describe(exc), title=f"{title} failed", severity="error", timeout=10)
        if self.poller is not None:
            self.poller.refresh_now(("connections", "locks") + refresh)

    def run_explain(self, statement: str, database: str | None) -> None:
        if self.actions is None or self.caps is None:
            self.notify("EXPLAIN needs a connection", severity="warning")
            return
        # the function, not a coroutine (details.py load_detail says why)
        self.run_worker(partial(self._explain, statement, database), group="explain", exclusive=True,
                        exit_on_error=False)

    async def _explain(self, statement: str, database: str | None) -> None:
        assert self.actions is not None
        started = time.monotonic()
        try:
            res = await self.actions.explain(statement, database, self.caps)
        except ExplainRefused as exc:
            self.notify(str(exc).removeprefix("EXPLAIN refused: "), title="EXPLAIN refused", severity="warning",
                        timeout=15)
            return
        except PgConsoleError as exc:
            self.notify(str(exc), title="EXPLAIN failed", severity="error", timeout=10)
            return
        body = Group(Text(res.statement, style="dim"), Text(""), Text(res.plan), Text(""),
                     Text(f"limits: {res.limits}", style="italic yellow"),
                     Text(f"in database {res.database}, {time.monotonic() - started:.2f}s", style="dim"))
        self.push_screen(TextScreen("EXPLAIN (GENERIC_PLAN)", body))

    def confirm_vacuum(self, table: tuple[str, str] | None, label: str, dead: int | None) -> None:
        if self.time_travelling:
            self.notify("VACUUM: a recorded moment is shown (nothing to act on in the past)", severity="warning")
            return
        if self.read_only:
            self.notify("VACUUM: disabled by --read-only", severity="warning")
            return
        if self.actions is None:
            self.notify("VACUUM: no action session here", severity="warning")
            return
        body = Text(f"VACUUM (ANALYZE) {one_line(label)}?\n\n", style="bold")
        if dead is not None:
            body.append(f"{dead:,} dead tuples now. ")
        body.append("VACUUM takes a SHARE UPDATE EXCLUSIVE lock (reads and writes go on; DDL and other "
                    "vacuums wait) and reads the table; ANALYZE refreshes its statistics. Runs on its own "
                    "sessions, with live progress.")

        def answered(yes: bool | None) -> None:
            if yes:
                from .screens.vacuum import VacuumScreen
                assert self.actions is not None

                def after(_report) -> None:
                    if self.poller is not None:
                        self.poller.refresh_now(("bloat",))

                self.push_screen(VacuumScreen(self.actions.params, self.actions.limits,
                                              [table] if table else [], label), after)

        self.push_screen(ConfirmScreen("VACUUM ANALYZE", body, danger=False, yes="Vacuum"), answered)
