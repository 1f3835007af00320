"""`pgconsole vacuum`: VACUUM (ANALYZE) tables with live progress and a before/after report."""

from __future__ import annotations

import asyncio
import json
import signal

from rich import box
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .. import fmt
from ..errors import PgConsoleError
from ..maintenance import (TableStarted, VacuumMessage, VacuumOptions, VacuumProgress, VacuumReport, VacuumRun,
                           VacuumTableResult)
from ..untrusted import SafeConsole, one_line
from .common import add_conn_args, interactive, limits_from_args, non_empty, nonnegative_float, params_from_args


def add_arguments(p) -> None:
    p.add_argument("words", nargs="*", metavar="[CONN] [TABLE ...]",
                   help="database (name, URI or conninfo, as psql's DBNAME) then tables; with -d every "
                        "word is a table. schema.table, \"Mixed Case\" and unicode names are read as SQL "
                        "reads them. No table: every table this role may vacuum")
    p.add_argument("--table", "-t", dest="tables", action="append", default=[], type=non_empty, metavar="TABLE",
                   help="a table to process (repeatable), as vacuumdb spells it")
    p.add_argument("--analyze-only", action="store_true", help="ANALYZE only, no VACUUM")
    p.add_argument("--no-analyze", action="store_true", help="plain VACUUM, without ANALYZE")
    p.add_argument("--verbose", action="store_true", help="VERBOSE: print the server's report for each table")
    p.add_argument("--cost-delay", type=nonnegative_float, metavar="MS",
                   help="throttle like autovacuum: sleep MS ms per vacuum_cost_limit of work (default: none)")
    p.add_argument("--json", action="store_true", help="print the report as JSON, no live view")
    add_conn_args(p, positional=False)
    p.usage = "pgconsole vacuum [options] [CONN] [TABLE ...]"


def split_words(args) -> list[str]:
    """[CONN] [TABLE ...]: the first word is the database unless -d gave it."""
    words = list(args.words or [])
    if words and not args.dbname:
        args.conninfo = words.pop(0)
    else:
        args.conninfo = None
    return list(args.tables) + words


def run(args) -> int:
    if args.analyze_only and args.no_analyze:
        raise PgConsoleError("--analyze-only and --no-analyze contradict each other")
    tables = split_words(args)
    limits = limits_from_args(args)
    opts = VacuumOptions(analyze=not args.no_analyze, analyze_only=args.analyze_only, verbose=args.verbose,
                         lock_timeout_ms=limits.lock_timeout_ms, cost_delay_ms=args.cost_delay)
    params = params_from_args(args)
    report = asyncio.run(_main(params, limits, tables, opts, live=interactive() and not args.json,
                               quiet=args.json))
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=str))
    else:
        SafeConsole(highlight=False).print(render_report(report))
    if report.failed:
        first = report.failed[0].error
        more = f" (and {len(report.failed) - 1} more failed)" if len(report.failed) > 1 else ""
        raise PgConsoleError(f"{first}{more}")
    return 130 if report.cancelled else 0


async def _main(params, limits, tables, opts: VacuumOptions, live: bool, quiet: bool) -> VacuumReport:
    run = VacuumRun(params, tables, opts, limits=limits)
    await run.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, run.stop)
    err = SafeConsole(stderr=True, highlight=False)
    view = ProgressView(ascii_only=not err.encoding.lower().startswith("utf"))
    try:
        if live:
            with Live(view.render(), console=err, auto_refresh=False, transient=True) as lv:
                async for ev in run.events():
                    for line in view.feed(ev, verbose=opts.verbose):
                        lv.console.print(line)
                    lv.update(view.render(), refresh=True)
        else:
            async for ev in run.events():
                for line in view.feed(ev, verbose=opts.verbose):
                    if not quiet:
                        err.print(line)
        return await run.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)


class ProgressView:
    """The live line(s) for the table being processed; finished tables print above it."""

    def __init__(self, ascii_only: bool = False):
        self.ascii_only = ascii_only
        self.started: TableStarted | None = None
        self.progress: VacuumProgress | None = None

    def feed(self, ev, verbose: bool = False) -> list:
        out: list = []
        if isinstance(ev, TableStarted):
            self.started, self.progress = ev, None
        elif isinstance(ev, VacuumProgress):
            self.progress = ev
        elif isinstance(ev, VacuumMessage):
            if verbose or ev.severity.upper() == "WARNING":
                out.append(Text(f"{ev.severity}: {ev.text}", style="dim" if ev.severity.upper() == "INFO" else "yellow"))
        elif isinstance(ev, VacuumTableResult):
            out.append(result_line(ev))
            self.started = self.progress = None
        return out

    def render(self):
        if self.started is None:
            return Text("")
        s, p = self.started, self.progress
        head = Text.assemble((f"[{s.index}/{s.count}] ", "dim"), (one_line(s.command), "bold"))
        if p is None:
            return Group(head, Text("starting…", style="dim"))
        frac = p.fraction
        bar = _bar(frac, 30, self.ascii_only) + f" {frac * 100:5.1f}%" if frac is not None else ""
        phase = p.phase if p.command != "ANALYZE" else f"analyze: {p.phase}"
        if p.relid is not None and p.relid != p.target_relid:
            phase += " (TOAST/partition)"
        line = Text(f"{phase:<28} {bar}")
        bits = []
        if p.command == "VACUUM":
            if p.heap_blks_total is not None:
                bits.append(f"heap blocks {p.heap_blks_scanned:,}/{p.heap_blks_total:,} scanned, "
                            f"{p.heap_blks_vacuumed:,} vacuumed")
            bits.append(f"index passes {p.index_vacuum_count or 0}")
            if p.indexes_total:
                bits.append(f"indexes {p.indexes_processed}/{p.indexes_total}")
            if p.dead_items is not None:
                bits.append(f"dead items {p.dead_items:,}")
        elif p.command == "ANALYZE" and p.sample_blks_total is not None:
            bits.append(f"sample blocks {p.sample_blks_scanned:,}/{p.sample_blks_total:,}")
        if p.blocked_by:
            bits.append("blocked by pid " + ", ".join(map(str, p.blocked_by)))
        if p.running_s is not None:
            bits.append(fmt.duration(p.running_s))
        return Group(head, line, Text("  ".join(bits), style="dim"))


def _bar(frac: float, width: int, ascii_only: bool) -> str:
    full = int(round(frac * width))
    return ("#" * full + "." * (width - full)) if ascii_only else ("█" * full + "░" * (width - full))


def result_line(r: VacuumTableResult) -> Text:
    style = {"done": "green", "failed": "red", "skipped": "yellow", "cancelled": "yellow"}.get(r.status, "")
    t = Text.assemble((f"{r.status:<9}", style), f" {one_line(r.table.display)}  ")
    if r.before is not None and r.after is not None:
        t.append(f"dead {r.before.dead_tuples:,} → {r.after.dead_tuples:,}  "
                 f"size {fmt.bytes_(r.before.total_bytes)} → {fmt.bytes_(r.after.total_bytes)}  ")
    t.append(f"{r.seconds:.2f}s")
    if r.error and r.status != "cancelled":
        t.append(f"  {r.error}", style="red" if r.status == "failed" else "yellow")
    return t


def render_report(rep: VacuumReport):
    verb = "ANALYZE" if rep.options.analyze_only else ("VACUUM (ANALYZE)" if rep.options.analyze else "VACUUM")
    if not rep.results:
        return Text(f"{verb}: no tables to process in {one_line(rep.database)} (none that this role may vacuum)")
    return _Summary(rep, verb)


class _Summary:
    """The summary table, laid out for the width it is printed at: below 100 columns no
    vertical rules and no phases column, so a table's name keeps its line."""

    def __init__(self, rep: VacuumReport, verb: str):
        self.rep, self.verb = rep, verb

    def __rich_console__(self, console, options):
        rep = self.rep
        wide = options.max_width >= 100
        title = (f"{self.verb} in {rep.database} (PostgreSQL {rep.server_version}): {len(rep.results)} tables, "
                 f"{rep.seconds:.1f}s")
        if rep.cancelled:
            title += " — cancelled"
        t = Table(title=title, title_justify="left", title_style="bold", pad_edge=False,
                  box=box.HEAVY_HEAD if wide else box.SIMPLE_HEAD, show_edge=wide)
        t.add_column("table", overflow="fold", ratio=None if wide else 1)
        t.add_column("status", no_wrap=True)
        t.add_column("dead tuples", justify="right", no_wrap=True)
        t.add_column("size", justify="right", no_wrap=True)
        t.add_column("time", justify="right", no_wrap=True)
        if wide:
            t.add_column("phases seen", overflow="fold")
        for r in rep.results:
            b, a = r.before, r.after
            dead = (f"{fmt.num(b.dead_tuples)} → {fmt.num(a.dead_tuples)}" if b and a
                    else (fmt.num(b.dead_tuples) if b else "-"))
            size = f"{fmt.bytes_(b.total_bytes)} → {fmt.bytes_(a.total_bytes)}" if b and a else "-"
            row = [r.table.display, r.status, dead, size, f"{r.seconds:.2f}s"]
            t.add_row(*row, *([", ".join(r.phases) or "-"] if wide else []))
        yield t
