"""The Load panel: a pgbench run started from the console, docked under the panes.

It is a panel, not a modal screen: the live panes keep refreshing and keep their keys
while pgbench runs, and `L` hides or shows the panel without touching the run. `X`
stops the run from anywhere; quitting the console kills pgbench (no orphan left).
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Select

from ...bench import BUILTINS, BenchConfig, BenchLog, BenchPhase, BenchRun, InitProgress, ProgressSample
from ...bench.chart import bars
from ...conninfo import ConnParams
from ...db import SessionLimits
from ...errors import PgConsoleError, describe
from ..widgets.marked import MarkedCheckbox
from ..widgets.safe import SafeLabel as Label, SafeStatic as Static

CHART_ROWS = 3


def _int(text: str, name: str, lo: int, hi: int) -> int:
    try:
        v = int(text.strip())
    except ValueError:
        raise PgConsoleError(f"{name}: a whole number, please (got {text.strip()!r})") from None
    if not lo <= v <= hi:
        raise PgConsoleError(f"{name}: between {lo} and {hi}")
    return v


def config_from(clients: str, duration: str, builtin: str, rate: str, init: bool, scale: str) -> BenchConfig:
    """The form's text as a BenchConfig; PgConsoleError with one clear line on bad input."""
    r = None
    if rate.strip():
        try:
            r = float(rate)
        except ValueError:
            raise PgConsoleError(f"rate: a number of transactions per second (got {rate.strip()!r})") from None
        if r <= 0:
            raise PgConsoleError("rate: more than 0 (or empty for as fast as possible)")
    c = _int(clients, "clients", 1, 1000)
    return BenchConfig(clients=c, jobs=min(c, 4), duration_s=_int(duration, "duration", 1, 86400),
                       builtin=builtin, rate=r, init=init, scale=_int(scale, "scale", 1, 10000) if init else None,
                       force=False)


def figures(s: ProgressSample | None) -> Text:
    if s is None:
        return Text("no sample yet", style="dim")
    t = Text()
    t.append(f"{s.tps:,.1f}", style="bold")
    t.append(" tps  lat ")
    t.append("-" if s.latency_ms is None else f"{s.latency_ms:.2f}", style="bold")
    t.append(" ms ± ")
    t.append("-" if s.stddev_ms is None else f"{s.stddev_ms:.2f}")
    t.append(" ms  failed ")
    t.append("-" if s.failed is None else str(s.failed), style="bold red" if s.failed else "bold")
    t.append(f"  at {s.elapsed_s:.0f} s", style="dim")
    return t


class LoadPanel(Vertical):
    """Settings, start/stop, and live TPS / latency / failures of one pgbench run."""

    BINDINGS = [Binding("escape", "leave", "Back to the pane", show=False)]
    DEFAULT_CSS = """
    LoadPanel { height: auto; max-height: 10; border-top: solid $accent; padding: 0 1; display: none; }
    LoadPanel Horizontal { height: 1; }
    LoadPanel Label { margin: 0 1 0 0; }
    LoadPanel Input { width: 8; margin: 0 2 0 0; }
    LoadPanel #load-duration { width: 6; }
    LoadPanel Select { width: 18; margin: 0 2 0 0; }
    LoadPanel Checkbox { margin: 0 1 0 0; }
    LoadPanel Button { margin: 0 1 0 0; min-width: 8; }
    LoadPanel #load-status { height: 1; }
    LoadPanel #load-chart { height: 3; color: $success; }
    """

    def __init__(self, *, ascii: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.ascii = ascii
        self.run_obj: BenchRun | None = None
        self.samples: list[ProgressSample] = []
        self.phase = "idle"
        self.params: ConnParams | None = None
        self.limits = SessionLimits()

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("clients")
            yield Input("4", id="load-clients", compact=True, restrict=r"\d*")
            yield Label("seconds")
            yield Input("60", id="load-duration", compact=True, restrict=r"\d*")
            yield Label("rate")
            yield Input("", id="load-rate", compact=True, placeholder="max", restrict=r"[\d.]*")
            yield Select([(b, b) for b in BUILTINS], value=BUILTINS[0], allow_blank=False, id="load-builtin",
                         compact=True)
        with Horizontal():
            yield MarkedCheckbox("init tables if missing, scale", True, id="load-init", compact=True)
            yield Input("1", id="load-scale", compact=True, restrict=r"\d*")
            yield Button("Start", id="load-start", compact=True, variant="success")
            yield Button("Stop (X)", id="load-stop", compact=True, variant="error")
        yield Static(Text("idle: Enter or Start runs pgbench · L hides this panel, the run goes on",
                          style="dim"), id="load-status")
        yield Static("", id="load-chart")

    # -- state ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.run_obj is not None and self.phase not in ("idle", "finished")

    def status(self, text: str | Text, style: str = "") -> None:
        self.query_one("#load-status", Static).update(text if isinstance(text, Text) else Text(text, style=style))

    def _draw(self) -> None:
        width = max(self.size.width - 2, 10)
        rows = bars([s.tps for s in self.samples], width, CHART_ROWS, ascii_only=self.ascii)
        self.query_one("#load-chart", Static).update("\n".join(rows))

    # -- start / stop ----------------------------------------------------------------------
    @on(Input.Submitted)
    @on(Button.Pressed, "#load-start")
    def _start_pressed(self) -> None:
        self.start()

    @on(Button.Pressed, "#load-stop")
    def _stop_pressed(self) -> None:
        self.stop()

    def start(self) -> None:
        if self.app.read_only:  # type: ignore[attr-defined]
            self.app.notify("Load: disabled by --read-only", severity="warning")
            return
        if self.running:
            self.app.notify("Load: pgbench is already running (X stops it)", severity="warning")
            return
        if self.params is None:
            self.app.notify("Load: no connection here", severity="warning")
            return
        try:
            cfg = config_from(self.query_one("#load-clients", Input).value,
                              self.query_one("#load-duration", Input).value,
                              str(self.query_one("#load-builtin", Select).value),
                              self.query_one("#load-rate", Input).value,
                              self.query_one("#load-init", Checkbox).value,
                              self.query_one("#load-scale", Input).value)
            cfg.validate()
        except PgConsoleError as exc:
            self.app.notify(str(exc), title="Load", severity="error")
            return
        self.samples = []
        self.phase = "starting"
        self.status("checking the server, the pgbench binary and the tables…")
        self.drive(cfg)
        self.app.current_pane.table.focus()  # type: ignore[attr-defined]  # pane keys work during the run

    def stop(self) -> None:
        if self.run_obj is not None and self.running:
            self.run_obj.stop()
            self.status("stopping pgbench…", "bold yellow")
        else:
            self.app.notify("Load: no pgbench run to stop", severity="information")

    def kill(self) -> None:
        """Leave nothing behind, now (the console is quitting)."""
        if self.run_obj is not None:
            self.run_obj.stop(force=True)

    def on_unmount(self) -> None:
        self.kill()

    def action_leave(self) -> None:
        self.app.action_load()  # type: ignore[attr-defined]

    # -- the run ----------------------------------------------------------------------------
    async def _started(self, cfg: BenchConfig) -> BenchRun:
        assert self.params is not None
        run = BenchRun(self.params, cfg, limits=self.limits)
        try:
            await run.start()
            return run
        except PgConsoleError as exc:
            # "init if missing": existing tables are used as they are, never dropped
            if not (cfg.init and "already exist" in str(exc)):
                raise
        self.app.notify("pgbench tables already exist: running against them (not re-initialised)",
                        title="Load", timeout=5)
        run = BenchRun(self.params, BenchConfig(**{**cfg.__dict__, "init": False, "scale": None}),
                       limits=self.limits)
        await run.start()
        return run

    @work(exclusive=True, group="load", exit_on_error=False)
    async def drive(self, cfg: BenchConfig) -> None:
        run = None
        try:
            run = self.run_obj = await self._started(cfg)
            async for ev in run.events():
                if isinstance(ev, BenchPhase):
                    self.phase = ev.phase
                    if ev.phase != "finished":
                        self.status(Text(f"{ev.phase}{': ' + ev.detail if ev.detail else ''}", style="bold"))
                elif isinstance(ev, InitProgress):
                    done = (f" {ev.rows_done:,}/{ev.rows_total:,} rows" if ev.rows_done is not None and ev.rows_total
                            else "")
                    self.status(Text(f"initializing: {ev.step}{done}", style="bold"))
                elif isinstance(ev, ProgressSample):
                    self.samples.append(ev)
                    self.status(figures(ev))
                    self._draw()
                elif isinstance(ev, BenchLog) and "error" in ev.text.lower():
                    self.app.notify(ev.text[:200], title="pgbench", severity="warning", timeout=5)
            result = await run.wait()
            tps = result.tps
            line = (f"pgbench {result.status}: "
                    f"{'-' if tps is None else f'{tps:,.1f}'} tps over {result.totals.transactions:,} transactions"
                    f"{', ' + result.error if result.error else ''}")
            self.status(line, "bold red" if result.status == "failed" else "bold green")
            self.app.notify(line, title="Load", severity="error" if result.status == "failed" else "information")
        except PgConsoleError as exc:
            self.status(str(exc), "bold red")
            self.app.notify(str(exc), title="Load failed", severity="error")
        except asyncio.CancelledError:
            if run is not None:
                run.stop(force=True)
            raise
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self.status(describe(exc), "bold red")
            self.app.notify(describe(exc), title="Load failed", severity="error")
        finally:
            self.phase = "finished" if run is not None else "idle"
