"""Seeding a scenario from the console: a form (scenario, scale, schema, mode), then a
progress screen with one bar per table, through the data core's run_seed.

The whole seed is one transaction: `c`/Esc while it runs sets the cancel event, the
server rolls back and nothing was committed. Errors (a table with rows in mode
"new", a bad scenario) are shown in the screen, never a crash.
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, ProgressBar, RadioSet
from textual.widgets.option_list import Option

from ... import fmt
from ...conninfo import ConnParams
from ...db import SessionLimits
from ...errors import PgConsoleError, describe
from ...seed import (SeedCancelled, SeedOptions, SeedPlan, SeedSummary, TableProgress, list_scenarios,
                     load_scenario, make_plan)
from ...seed.plan import MODES
from ...untrusted import one_line
from ..widgets.marked import MarkedOptionList, MarkedRadioButton
from ..widgets.safe import SafeLabel as Label, SafeStatic as Static

DEFAULT_SCALE = 0.1   # quick: a few seconds for the shipped scenarios


class SeedSetupScreen(ModalScreen[SeedPlan | None]):
    """Pick a scenario and the options; Seed builds the plan (a bad one says why here)."""

    BINDINGS = [
        Binding("escape", "dismiss_none", "Cancel", id="seed_setup.cancel"),
        Binding("ctrl+enter", "seed", "Seed", id="seed_setup.go"),
    ]
    DEFAULT_CSS = """
    SeedSetupScreen { align: center middle; }
    SeedSetupScreen > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
                                 border: thick $accent; background: $surface; padding: 0 1; }
    SeedSetupScreen .seed-title { text-style: bold; }
    SeedSetupScreen OptionList { height: auto; max-height: 9; }
    SeedSetupScreen .seed-row { height: auto; }
    SeedSetupScreen .seed-row Label { width: 8; padding: 1 0 0 0; }
    SeedSetupScreen .seed-row Input { width: 1fr; }
    SeedSetupScreen RadioSet { layout: horizontal; height: auto; width: 1fr; }
    SeedSetupScreen #seed-error { color: $error; height: auto; }
    SeedSetupScreen .seed-buttons { height: 3; align: right middle; }
    SeedSetupScreen Button { margin-left: 2; min-width: 10; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.scenarios = list_scenarios()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Seed a scenario (one transaction: all or nothing)", classes="seed-title")
            yield MarkedOptionList(*[Option(Text.assemble((s.name, "bold"), "  ", (s.description, "dim")),
                                            id=s.name) for s in self.scenarios], id="seed-scenario")
            with Horizontal(classes="seed-row"):
                yield Label("scale")
                yield Input(str(DEFAULT_SCALE), id="seed-scale")
                yield Label("schema")
                yield Input("public", id="seed-schema")
            with Horizontal(classes="seed-row"):
                yield Label("mode")
                with RadioSet(id="seed-mode"):
                    for m in MODES:
                        yield MarkedRadioButton(m, value=m == "new", id=f"seed-mode-{m}")
            yield Static("new refuses tables that have rows · truncate empties them first · append adds rows",
                         classes="seed-hint")
            yield Static("", id="seed-error")
            with Horizontal(classes="seed-buttons"):
                yield Button("Seed", id="seed-go", variant="primary")
                yield Button("Cancel (esc)", id="seed-cancel")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if self.scenarios:
            ol.highlighted = 0
        else:
            self.query_one("#seed-error", Static).update("no scenarios found (PGCONSOLE_SEEDS?)")
        ol.focus()

    def action_dismiss_none(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#seed-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#seed-go")
    @on(Input.Submitted)
    def _go(self) -> None:
        self.action_seed()

    def options(self) -> tuple[str, SeedOptions]:
        ol = self.query_one(OptionList)
        if ol.highlighted is None or not self.scenarios:
            raise PgConsoleError("pick a scenario")
        name = self.scenarios[ol.highlighted].name
        text = self.query_one("#seed-scale", Input).value.strip()
        try:
            scale = float(text)
        except ValueError:
            raise PgConsoleError(f"scale {text!r}: expected a number such as 0.1") from None
        if not scale > 0:
            raise PgConsoleError("scale must be more than 0")
        schema = self.query_one("#seed-schema", Input).value.strip() or "public"
        pressed = self.query_one(RadioSet).pressed_button
        mode = str(pressed.label) if pressed is not None else "new"
        return name, SeedOptions(scale=scale, schema=schema, mode=mode)

    def action_seed(self) -> None:
        try:
            name, opts = self.options()
            plan = make_plan(load_scenario(name), opts)   # ScenarioError is a PgConsoleError
        except PgConsoleError as exc:
            self.query_one("#seed-error", Static).update(str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.query_one("#seed-error", Static).update(describe(exc))
            return
        self.dismiss(plan)


def progress_line(p: TableProgress) -> str:
    if p.phase == "done":
        tail = f"done in {fmt.duration(p.seconds + p.index_seconds)}"
    elif p.phase == "indexing":
        tail = f"keys+indexes {fmt.duration(p.index_seconds)}"
    elif p.phase == "waiting":
        tail = "waiting"
    else:
        tail = f"ETA {fmt.duration(p.eta_s)}" if p.eta_s else "loaded" if p.rows_done >= p.rows_total else "loading"
    rate = (f"{p.rows_per_s / 1000:,.0f}k/s" if p.rows_per_s >= 10_000 else f"{p.rows_per_s:,.0f}/s"
            if p.rows_per_s else "")
    return f"{fmt.num(p.rows_done)}/{fmt.num(p.rows_total)} {rate} {tail}"


def summary_text(s: SeedSummary) -> Text:
    t = Text(f"seeded {s.scenario} into schema {one_line(s.schema)}: {s.rows:,} rows, {fmt.bytes_(s.bytes)} "
             f"in {fmt.duration(s.seconds)}", style="bold green")
    t.append(f"\nload {fmt.duration(s.load_seconds)} ({s.rows_per_s:,.0f} rows/s), keys+indexes+ANALYZE "
             f"{fmt.duration(s.index_seconds)}, {len(s.built)} constraints and indexes built", style="")
    return t


class SeedScreen(ModalScreen[SeedSummary | None]):
    """Runs one plan with a bar per table; the summary at the end."""

    BINDINGS = [
        Binding("c", "stop", "Cancel", id="seed.cancel"),
        Binding("escape,q", "close", "Close", id="seed.close"),
    ]
    DEFAULT_CSS = """
    SeedScreen { align: center middle; }
    SeedScreen > Vertical { width: 100; max-width: 100%; height: 90%; border: thick $accent;
                            background: $surface; padding: 0 1; }
    SeedScreen .seed-title { text-style: bold; height: auto; }
    SeedScreen .seed-now { height: auto; min-height: 1; }
    SeedScreen VerticalScroll { height: 1fr; }
    SeedScreen .seed-table { height: 1; }
    SeedScreen .seed-name { width: 20; text-style: bold; }
    SeedScreen .seed-table ProgressBar { width: 22; }
    SeedScreen .seed-stat { width: 1fr; }
    SeedScreen .seed-hint { color: $text-muted; height: 1; }
    """

    def __init__(self, params: ConnParams, limits: SessionLimits, plan: SeedPlan) -> None:
        super().__init__()
        self.params = params
        self.limits = limits
        self.plan = plan
        self.cancel = asyncio.Event()
        self.summary: SeedSummary | None = None
        self.finished = False
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        o = self.plan.options
        with Vertical():
            yield Static(f"Seeding {self.plan.scenario.name} (scale {o.scale:g}, schema {one_line(o.schema)}, mode {o.mode}, "
                         f"{self.plan.total_rows:,} rows)", classes="seed-title")
            yield Static("connecting…", classes="seed-now")
            with VerticalScroll():
                for i, tp in enumerate(self.plan.tables):
                    with Horizontal(classes="seed-table"):
                        yield Static(one_line(tp.name), classes="seed-name")
                        yield ProgressBar(total=max(tp.rows, 1), show_eta=False, show_percentage=False,
                                          id=f"seed-bar-{i}")
                        yield Static("waiting", classes="seed-stat", id=f"seed-stat-{i}")
            yield Static("c or Esc cancels (rolls back: nothing is committed) · Esc closes when done",
                         classes="seed-hint")

    def on_mount(self) -> None:
        self._index = {tp.name: i for i, tp in enumerate(self.plan.tables)}
        self.drive()

    def on_progress(self, p: TableProgress) -> None:
        i = self._index.get(p.table)
        if i is None or not self.is_attached:
            return
        self.query_one(f"#seed-bar-{i}", ProgressBar).update(progress=p.rows_done if p.rows_total else 1)
        self.query_one(f"#seed-stat-{i}", Static).update(progress_line(p))

    @work(exclusive=True, group="seed", exit_on_error=False)
    async def drive(self) -> None:
        from ...seed import run_seed
        now = self.query_one(".seed-now", Static)
        now.update("loading…")
        try:
            self.summary = s = await run_seed(self.params, self.plan, progress=self.on_progress,
                                              cancel=self.cancel, limits=self.limits)
            now.update(summary_text(s))
            self.app.notify(f"seeded {s.scenario}: {s.rows:,} rows in {fmt.duration(s.seconds)}", title="Seed")
        except SeedCancelled as exc:
            self.error = str(exc)
            now.update(Text(str(exc), style="bold yellow"))
            self.app.notify(str(exc), title="Seed cancelled", severity="warning")
        except PgConsoleError as exc:
            self.error = str(exc)
            now.update(Text(str(exc), style="bold red"))
            self.app.notify(str(exc), title="Seed failed", severity="error", timeout=10)
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.error = describe(exc)
            now.update(Text(self.error, style="bold red"))
            self.app.notify(self.error, title="Seed failed", severity="error", timeout=10)
        finally:
            self.finished = True

    def action_stop(self) -> None:
        if not self.finished and not self.cancel.is_set():
            self.cancel.set()
            self.query_one(".seed-now", Static).update("cancelling: rolling back…")

    def action_close(self) -> None:
        if not self.finished:
            self.action_stop()
            return
        self.dismiss(self.summary)
