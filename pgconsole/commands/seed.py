"""`pgconsole seed`: fill a database with realistic data from a scenario (or --infer it)."""

from __future__ import annotations

import asyncio
import re
import signal

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table

from .. import fmt
from ..errors import PgConsoleError, describe
from ..seed import (SeedCancelled, SeedOptions, check_seed, list_scenarios, load_scenario, make_plan,
                    run_seed)
from ..untrusted import SafeConsole
from .common import (add_conn_args, interactive, limits_from_args, non_empty, nonnegative_int, params_from_args,
                     positive_float)

_COUNT_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def add_arguments(p) -> None:
    p.add_argument("scenario", nargs="?", metavar="SCENARIO",
                   help="a scenario name from --list, or the path of a scenario .toml file")
    p.add_argument("--list", action="store_true", help="list the scenarios with their descriptions")
    p.add_argument("--infer", action="store_true",
                   help="no scenario: fill the existing tables of --schema, guessing values from names, "
                        "types and constraints")
    p.add_argument("--like", metavar="SOURCE",
                   help="no scenario: copy the schema and the shape (row counts, NULLs, distinct values, skew, "
                        "order) of database SOURCE, from its catalog and pg_stats; no row of it is read")
    p.add_argument("--keep-values", metavar="COLUMN,...", default="",
                   help="with --like: text columns whose values may be copied (status enums, country codes); "
                        "the others get generated values at the same frequencies")
    p.add_argument("--write-scenario", metavar="FILE",
                   help="with --like: also write the derived scenario to FILE (seed it anywhere later)")
    p.add_argument("--compare-query", action="append", default=[], metavar="SQL",
                   help="with --like: a query whose plan must match on source and target (repeatable; "
                        "{mcv:table.column:0} and {hist:table.column:0.9} stand for each side's values)")
    p.add_argument("--scale", type=positive_float, default=1.0, metavar="N",
                   help="multiply the scenario's row counts (default 1; --infer: N x 1000 rows a table)")
    p.add_argument("--rows", action="append", default=[], metavar="TABLE=N",
                   help="rows for one table, overriding --scale (repeatable; 50k and 2M are understood)")
    p.add_argument("--seed", type=int, default=1, metavar="N",
                   help="random seed: the same seed gives byte-identical data (default 1)")
    p.add_argument("--schema", type=non_empty, default="public", metavar="NAME", help="schema to fill (default public)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--truncate", action="store_true", help="replace the rows of tables that have some")
    mode.add_argument("--append", action="store_true", help="add rows to tables that have some")
    p.add_argument("--jobs", type=nonnegative_int, metavar="N",
                   help="generator processes; 0: a thread of this process (default: a thread on 1-2 "
                        "CPUs or for small seeds, else CPUs - 2 processes, at most 4)")
    p.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after the load")
    p.add_argument("--dry-run", action="store_true", help="check the scenario and the target, print the plan, "
                                                          "write nothing")
    add_conn_args(p)
    # SCENARIO [CONN] [USER] may come before, between or after the options
    p.parse_args = p.parse_intermixed_args


def parse_rows(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        table, sep, count = item.rpartition("=")
        m = _COUNT_RE.match(count)
        if not sep or not table or not m:
            raise PgConsoleError(f"--rows {item!r}: expected TABLE=N, e.g. events=2M")
        n = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()]
        out[table] = int(n)
    return out


def run(args) -> int:
    if args.list:
        return _print_list()
    derived = bool(args.infer or args.like)
    if derived and args.scenario and not args.conninfo:
        args.conninfo, args.scenario = args.scenario, None   # `seed --infer mydb`, `seed --like prod test`
    if args.infer and args.like:
        raise PgConsoleError("give --infer or --like, not both")
    if derived and args.scenario:
        raise PgConsoleError(f"{'--infer' if args.infer else '--like'} derives the scenario: give no scenario with it")
    if not derived and not args.scenario:
        raise PgConsoleError("name a scenario (see --list), give a .toml file, or use --infer or --like")
    if not args.like and (args.keep_values or args.write_scenario or args.compare_query):
        raise PgConsoleError("--keep-values, --write-scenario and --compare-query go with --like")
    if args.jobs is not None and args.jobs < 0:
        raise PgConsoleError("--jobs must be 0 or more")
    opts = SeedOptions(scale=args.scale, rows=parse_rows(args.rows), seed=args.seed, schema=args.schema,
                       mode="truncate" if args.truncate else "append" if args.append else "new",
                       jobs=args.jobs, analyze=not args.no_analyze)
    # a bad scenario file fails here, before connecting
    plan = None if derived else make_plan(load_scenario(args.scenario), opts)
    params, limits = params_from_args(args), limits_from_args(args)
    like = None
    if args.like:
        from ..conninfo import resolve
        keep = {k.strip() for k in args.keep_values.split(",") if k.strip()}
        like = (resolve(args.like), keep, args.write_scenario, args.compare_query)
    try:
        return asyncio.run(_main(params, limits, plan, opts, args.dry_run, like))
    except SeedCancelled as exc:
        SafeConsole(stderr=True, highlight=False).print(f"pgconsole: {exc}")
        return 130


async def _main(params, limits, plan, opts: SeedOptions, dry_run: bool, like=None) -> int:
    derived = None
    if like is not None:
        from ..seed.like_run import plan_like
        from ..seed.toml_out import dumps
        import asyncpg
        try:
            derived, plan = await plan_like(like[0], params, opts, like[1], limits)
        except asyncpg.PostgresError as exc:   # reading a catalog or pg_stats: one line, no traceback
            raise PgConsoleError(f"--like: {describe(exc)}") from None
        if like[2]:
            try:
                with open(like[2], "w", encoding="utf-8") as f:
                    f.write(dumps(derived.scenario))
            except OSError as exc:
                raise PgConsoleError(f"--write-scenario {like[2]}: {exc.strerror or exc}") from None
    elif plan is None:   # --infer
        from ..seed.infer import infer_scenario
        plan = make_plan(await infer_scenario(params, opts.schema, limits), opts, existing_schema=True)
    out = SafeConsole(highlight=False)
    if dry_run:
        out.print(render_check(plan, await check_seed(params, plan, limits)))
        return 0
    cancel = asyncio.Event()
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()

    def on_signal():
        if cancel.is_set():
            task.cancel()   # a second Ctrl-C: stop waiting, the server rolls back on disconnect
        cancel.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    err = SafeConsole(stderr=True, highlight=False)
    try:
        if interactive():
            bars = _Bars(err, plan)
            with bars.progress:
                summary = await run_seed(params, plan, progress=bars.update, cancel=cancel, limits=limits)
        else:
            summary = await run_seed(params, plan, cancel=cancel, limits=limits)
    except asyncio.CancelledError:
        raise SeedCancelled("seed interrupted: nothing was committed") from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    out.print(render_summary(summary))
    if derived is not None:
        from .seed_like import print_like
        await print_like(out, like, params, derived, opts, limits, summary, not plan.existing_schema)
    return 0


class _Bars:
    """One rich progress bar per table: rows, rows/s, ETA, then the index build."""

    def __init__(self, console: SafeConsole, plan):
        width = max((len(tp.name) for tp in plan.tables), default=5)
        self.progress = Progress(   # markup=False: a table name is text, not markup
            TextColumn(f"{{task.description:<{width}}}", markup=False), BarColumn(bar_width=None),
            TaskProgressColumn(), TextColumn("{task.fields[rows]}", justify="right", markup=False),
            TextColumn("{task.fields[rate]}", justify="right", markup=False),
            TextColumn("{task.fields[eta]}", markup=False), console=console, transient=False, refresh_per_second=8)
        self.tasks = {tp.name: self.progress.add_task(tp.name, total=max(tp.rows, 1), rows="", rate="", eta="waiting")
                      for tp in plan.tables}

    def update(self, p) -> None:
        if p.phase == "done":
            eta = "done"
        elif p.phase == "indexing":
            eta = f"keys {fmt.duration(p.index_seconds)}"
        elif p.phase == "waiting":
            eta = "waiting"
        else:
            eta = "ETA " + fmt.duration(p.eta_s) if p.eta_s else ""
        rate = f"{p.rows_per_s / 1000:,.0f}k rows/s" if p.rows_per_s >= 10_000 else \
            f"{p.rows_per_s:,.0f} rows/s" if p.rows_per_s else ""
        self.progress.update(self.tasks[p.table], completed=p.rows_done if p.rows_total else 1,
                             rows=f"{p.rows_done:,}/{p.rows_total:,}", rate=rate, eta=eta)


def render_summary(s) -> Table:
    t = Table(title=f"seeded {s.scenario} into schema {s.schema} (seed {s.seed})", title_justify="left",
              title_style="bold", pad_edge=False)
    for col in ("table", "rows", "COPY bytes", "load", "rows/s", "keys+indexes"):
        t.add_column(col, justify="left" if col == "table" else "right")
    for p in s.tables:
        t.add_row(p.table, f"{p.rows_done:,}", fmt.bytes_(p.bytes), fmt.duration(p.seconds),
                  f"{p.rows_per_s:,.0f}" if p.rows_per_s else "-", fmt.duration(p.index_seconds))
    t.add_section()
    t.add_row("total", f"{s.rows:,}", fmt.bytes_(s.bytes), fmt.duration(s.load_seconds),
              f"{s.rows_per_s:,.0f}" if s.rows_per_s else "-", fmt.duration(s.index_seconds))
    t.caption = (f"{fmt.duration(s.seconds)} in all; built {len(s.built)} constraints and indexes after the load"
                 if s.built else f"{fmt.duration(s.seconds)} in all")
    if s.note:
        t.caption += f"\n{s.note}"
    t.caption_justify = "left"
    return t


def render_check(plan, chk) -> Table:
    t = Table(title=f"dry run, nothing written: {plan.scenario.name} into schema {chk.schema}",
              title_justify="left", title_style="bold", pad_edge=False, caption_justify="left",
              caption=f"seed {plan.options.seed}; "
                      + (f"{chk.jobs} generator process{'es' if chk.jobs > 1 else ''}" if chk.jobs
                         else "generated in this process"))
    for col in ("table", "rows", "action", "built after the load"):
        t.add_column(col, justify="right" if col == "rows" else "left", overflow="fold")
    for a in chk.actions:
        short = [b[len(a.table) + 1:] if b.startswith(a.table + "_") else b for b in a.builds]
        t.add_row(a.table, f"{a.rows:,}", a.action, ", ".join(short) or "-")
    return t


def _print_list() -> int:
    scenarios = list_scenarios()
    out = SafeConsole(highlight=False)
    if not scenarios:
        raise PgConsoleError("no scenarios found (set PGCONSOLE_SEEDS to a folder of .toml files)")
    t = Table(pad_edge=False, show_edge=False, box=None)
    t.add_column("scenario", style="bold")
    t.add_column("description", overflow="fold")
    for s in scenarios:
        t.add_row(s.name, s.description)
    out.print(t)
    return 0
