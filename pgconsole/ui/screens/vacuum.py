"""VACUUM ANALYZE with live progress, through the maintenance engine (its own sessions).

The screen shows the table being processed, the phase and how far it is, and one
line per finished table with dead tuples before and after. `c` stops the run (the
server rolls the statement back); Esc closes once it is over.
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import ProgressBar

from ... import fmt
from ...conninfo import ConnParams
from ...db import SessionLimits
from ...errors import PgConsoleError
from ...maintenance import (
    TableStarted, VacuumMessage, VacuumOptions, VacuumProgress, VacuumReport, VacuumRun, VacuumTableResult,
)
from ...untrusted import one_line
from ..widgets.safe import SafeStatic as Static


def result_line(r: VacuumTableResult) -> Text:
    t = Text()
    ok = r.status == "done"
    t.append("done  " if ok else f"{r.status:<6}", style="green" if ok else "bold red")
    t.append(f"{one_line(r.table.display)} ", style="bold")
    if r.before is not None and r.after is not None:
        t.append(f"dead {fmt.num(r.before.dead_tuples)} → {fmt.num(r.after.dead_tuples)}  "
                 f"size {fmt.bytes_(r.before.table_bytes)} → {fmt.bytes_(r.after.table_bytes)}  ")
    t.append(f"{fmt.duration(r.seconds)}", style="dim")
    if r.error:
        t.append(f"\n      {r.error}", style="red")
    return t


class VacuumScreen(ModalScreen[VacuumReport | None]):
    BINDINGS = [
        Binding("c", "stop", "Stop", id="vacuum.stop"),
        Binding("escape,q", "close", "Close", id="vacuum.close"),
    ]
    DEFAULT_CSS = """
    VacuumScreen { align: center middle; }
    VacuumScreen > Vertical { width: 90; max-width: 100%; height: 80%; border: thick $accent;
                              background: $surface; padding: 0 1; }
    VacuumScreen .vac-title { text-style: bold; height: auto; }
    VacuumScreen .vac-now { height: auto; min-height: 2; }
    VacuumScreen ProgressBar { margin: 0 0 1 0; }
    VacuumScreen VerticalScroll { height: 1fr; border-top: solid $panel; }
    VacuumScreen .vac-hint { color: $text-muted; height: 1; }
    """

    def __init__(self, params: ConnParams, limits: SessionLimits, tables: Sequence[tuple[str, str]],
                 what: str) -> None:
        super().__init__()
        self.params = params
        self.limits = limits
        self.tables = list(tables)
        self.what = what
        self.run_obj: VacuumRun | None = None
        self.report: VacuumReport | None = None
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"VACUUM (ANALYZE) {one_line(self.what)}", classes="vac-title")
            yield Static("connecting…", classes="vac-now")
            yield ProgressBar(total=100, show_eta=False, id="vac-progress")
            with VerticalScroll():
                yield Static("", id="vac-log")
            yield Static("c stops (the server rolls back the table in progress) · Esc closes when done",
                         classes="vac-hint")

    def on_mount(self) -> None:
        self.drive()

    @work(exclusive=True, group="vacuum", exit_on_error=False)
    async def drive(self) -> None:
        now = self.query_one(".vac-now", Static)
        bar = self.query_one(ProgressBar)
        log = self.query_one("#vac-log", Static)
        lines: list[Text] = []
        run = self.run_obj = VacuumRun(self.params, self.tables, VacuumOptions(analyze=True), limits=self.limits)
        try:
            await run.start()
            async for ev in run.events():
                if isinstance(ev, TableStarted):
                    now.update(Text(f"[{ev.index}/{ev.count}] {one_line(ev.command)}", style="bold"))
                    bar.update(total=100, progress=0)
                elif isinstance(ev, VacuumProgress):
                    frac = ev.fraction
                    extra = f" · blocked by {', '.join(map(str, ev.blocked_by))}" if ev.blocked_by else ""
                    now.update(Text(f"{one_line(ev.table)}: {ev.phase}"
                                    f"{'' if frac is None else f' {frac * 100:.0f}%'}"
                                    f" · dead items {fmt.num(ev.dead_items)} · {fmt.duration(ev.running_s)}{extra}"))
                    if frac is not None:
                        bar.update(progress=frac * 100)
                elif isinstance(ev, VacuumMessage) and ev.severity.upper() == "WARNING":
                    lines.append(Text(f"{one_line(ev.table)}: {ev.text}", style="yellow"))
                elif isinstance(ev, VacuumTableResult):
                    lines.append(result_line(ev))
                    bar.update(progress=100)
                log.update(Text("\n").join(lines[-200:]))
            self.report = report = await run.wait()
            done = sum(1 for r in report.results if r.status == "done")
            removed = sum(r.dead_removed or 0 for r in report.results)
            summary = (f"{'stopped' if report.cancelled else 'finished'}: {done}/{len(report.results)} table(s) "
                       f"in {fmt.duration(report.seconds)}, {fmt.num(removed)} dead tuples removed")
            now.update(Text(summary, style="bold green" if not report.failed else "bold yellow"))
            self.app.notify(summary, title="VACUUM", severity="warning" if report.failed else "information")
        except PgConsoleError as exc:
            now.update(Text(str(exc), style="bold red"))
            self.app.notify(str(exc), title="VACUUM failed", severity="error")
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            now.update(Text(f"{type(exc).__name__}: {exc}", style="bold red"))
        finally:
            self.finished = True

    def action_stop(self) -> None:
        if self.run_obj is not None and not self.finished:
            self.run_obj.stop()
            self.notify("stopping VACUUM…")

    def action_close(self) -> None:
        if not self.finished:
            self.notify("VACUUM is running: c stops it, then Esc closes", severity="warning")
            return
        self.dismiss(self.report)
