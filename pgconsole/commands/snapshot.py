"""`pgconsole snapshot`: sample twice, print every view (rich tables or JSON)."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .. import derive, fmt
from ..errors import PgConsoleError
from ..monitor import VIEWS, Monitor
from ..quoting import display_name
from ..serialize import frame_json
from ..snapshots import Bloat, Cache, Connections, Frame, Locks, Overview, Statements, Unavailable
from ..untrusted import SafeConsole, one_line
from .common import add_conn_args, interval_seconds, limits_from_args, non_empty, params_from_args, positive_int
from .snapshot_replication import render_replication


def add_arguments(p) -> None:
    p.add_argument("--interval", type=interval_seconds, default=1.0, metavar="SECS",
                   help="seconds between the two samples that rates come from (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON (keys: server, connections, locks, "
                                                      "cache, statements, bloat, replication, wal, io, "
                                                      "horizon, autovacuum)")
    p.add_argument("--top", type=positive_int, default=15, metavar="N", help="rows per table view (default 15)")
    p.add_argument("--show-own", action="store_true",
                   help="include pgconsole's own statements (marked /* pgconsole */) among the slow queries")
    p.add_argument("--exact-bloat", type=non_empty, metavar="TABLE",
                   help="instead: exact figures for one table from pgstattuple (reads the whole table)")
    g = p.add_argument_group("from a recording (pgconsole record)")
    g.add_argument("--from", dest="source", metavar="FILE|URI",
                   help="read one recorded moment instead of the server: a recording file or a postgresql:// store")
    g.add_argument("--at", metavar="T", default="end",
                   help="the moment: ISO time, 03:12, or -15m before the recording's end (default: its last frame)")
    g.add_argument("--server", metavar="NAME", help="the recorded server, in a store holding several")
    add_conn_args(p)


def run(args) -> int:
    if args.source:
        if args.exact_bloat:
            raise PgConsoleError("--exact-bloat reads the server now: a recording holds estimates only")
        frame = asyncio.run(recorded(args.source, args.server, args.at))
    elif args.exact_bloat:
        return _exact(args)
    else:
        frame = asyncio.run(sample(params_from_args(args, prompt=False), limits_from_args(args), args.interval))
    if args.json:
        print(json.dumps(frame_json(frame, top=max(args.top, 50), own=args.show_own), indent=2, default=str))
    else:
        SafeConsole(width=output_width()).print(render(frame, args.top, own=args.show_own))
    return 0


UNBOUNDED = 100_000


def output_width() -> int | None:
    """None: the terminal's width (or COLUMNS). Into a pipe or a file with no COLUMNS, no
    limit: the tables at the width of their content (Rich would squeeze them into 80
    columns, the query column first)."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS", "").strip():
        return None
    return UNBOUNDED


def _exact(args) -> int:
    from ..collectors.bloat import exact_bloat
    from ..tables import resolve_table

    async def go():
        mon = Monitor(params_from_args(args, prompt=False), limits_from_args(args))
        try:
            async def read(conn, caps):
                ref = await resolve_table(conn, caps, args.exact_bloat)
                return ref, await exact_bloat(conn, caps, ref.relid)
            return await mon.run(read)
        finally:
            await mon.close()

    ref, ex = asyncio.run(go())
    if args.json:
        from ..serialize import plain
        print(json.dumps({"table": str(ref), **plain(ex)}, indent=2))
        return 0
    t = Table.grid(padding=(0, 2))
    t.add_row(Text(f"pgstattuple {one_line(ref.display)}", style="bold"), "")
    for label, value in (("size", fmt.bytes_(ex.table_len)), ("live tuples", fmt.num(ex.tuple_count)),
                         ("live bytes", f"{fmt.bytes_(ex.tuple_len)} ({ex.tuple_percent:.1f}%)"),
                         ("dead tuples", fmt.num(ex.dead_tuple_count)),
                         ("dead bytes", f"{fmt.bytes_(ex.dead_tuple_len)} ({ex.dead_tuple_percent:.1f}%)"),
                         ("free space", f"{fmt.bytes_(ex.free_space)} ({ex.free_percent:.1f}%)")):
        t.add_row(label, value)
    SafeConsole().print(t)
    return 0


async def sample(params, limits, interval: float) -> Frame:
    mon = Monitor(params, limits)
    try:
        await mon.poll(force=frozenset(VIEWS))
        await asyncio.sleep(interval)
        return await mon.poll(force=frozenset(VIEWS))
    finally:
        await mon.close()


async def recorded(source: str, server: str | None, at: str) -> Frame:
    from ..history.reader import Recording
    from ..history.times import parse_time
    rec = await Recording.open(source, server)
    try:
        t = parse_time(at, rec.last)
        moment = await rec.at(t)
        if moment is None:
            raise PgConsoleError(f"{at}: before the recording starts ({rec.first.astimezone():%Y-%m-%d %H:%M:%S %Z})")
        return moment.frame
    finally:
        await rec.close()


def _table(title: str, *cols: str) -> Table:
    t = Table(title=title, title_justify="left", title_style="bold", expand=False, pad_edge=False)
    for c in cols:
        t.add_column(c, overflow="ellipsis", no_wrap=True,
                     justify="right" if c.endswith(("/s", "%", "s", "ms", "size", "calls", "rows", "dead", "live"))
                     and c not in ("state", "relation", "waits") else "left")
    return t


class _Fit:
    """A table whose other columns keep their content width (up to 24, unless the output
    is unbounded) and whose query column takes what the console has left, measured when
    it is printed."""

    def __init__(self, table: Table):
        self.table = table

    def __rich_console__(self, console, options):
        used = 1
        cap = 24 if options.max_width < UNBOUNDED else UNBOUNDED
        for col in self.table.columns:
            if col.header != "query":
                widths = [len(str(c)) for c in col._cells] + [len(str(col.header))]
                col.min_width = col.max_width = min(max(widths), cap)
                used += col.min_width + 3
        for col in self.table.columns:
            if col.header == "query":
                col.max_width = max(options.max_width - used - 3, 12)
        yield self.table


def _unavailable(title: str, u: Unavailable | None) -> Text:
    if u is None:
        return Text(f"{title}: not collected", style="dim")
    return Text(f"{title}: {u.line()}", style="yellow")


def render_overview(ov: Overview) -> Table:
    r = ov.row
    t = Table.grid(padding=(0, 2))
    t.add_row(Text("PostgreSQL " + r.version, style="bold"), f"up {fmt.duration(ov.uptime_s)}",
              "standby" if r.is_standby else "primary", f"db {r.current_database}")
    t.add_row(f"connections {r.connections_used}/{ov.usable_connections} usable (max {r.max_connections})",
              f"tps {fmt.num(ov.tps, 1)}",
              f"rows read/s {fmt.num(ov.rows_read_per_s)}", f"rows written/s {fmt.num(ov.rows_written_per_s)}")
    t.add_row(f"hit ratio {fmt.pct(ov.hit_ratio, 2)} (interval {fmt.pct(ov.hit_ratio_interval, 2)})",
              f"temp {fmt.bytes_(r.temp_bytes)}", f"deadlocks {r.deadlocks}",
              "sizes: " + ", ".join(f"{d.datname} {fmt.bytes_(d.size_bytes)}" for d in ov.databases[:6]))
    return t


def render_connections(c: Connections, top: int) -> Group:
    t = _table(f"Connections ({', '.join(f'{k} {v}' for k, v in sorted(c.counts_by_state.items()))})",
               "pid", "user", "db", "app", "state", "wait", "xact s", "query s", "query")
    clients = [b for b in c.backends if b.backend_type == "client backend"]
    clients.sort(key=lambda b: -(b.xact_age_s or b.query_age_s or 0))
    for b in clients[:top]:
        t.add_row(f"{b.pid}{'*' if b.is_self else ''}", b.usename or "", b.datname or "",
                  fmt.one_line(b.application_name, 16), b.state or "",
                  f"{b.wait_event_type}:{b.wait_event}" if b.wait_event_type else "",
                  fmt.duration(b.xact_age_s), fmt.duration(b.query_age_s), fmt.one_line(b.query, 60))
    parts = [_Fit(t)]
    if c.limited:
        parts.append(Text(c.limited, style="yellow"))
    return Group(*parts)


def render_locks(lk: Locks) -> _Fit | Text | Group:
    if not lk.nodes:
        if lk.limited:
            return Text(f"Locks: no waiting session among those this role can see; {lk.limited}", style="yellow")
        return Text("Locks: no session is waiting on a lock", style="green")
    t = _table(f"Blocking tree ({lk.waiting_count} waiting)", "pid", "mode", "relation", "wait s",
               "blocks", "state", "query")
    for n in lk.nodes:
        b = n.backend
        label = ("  " * n.depth + ("└ " if n.depth else "")) + (str(n.pid) if n.pid else "prepared xact")
        t.add_row(label, n.mode or "", n.relation or "", fmt.duration(n.wait_s), str(n.total_blocked),
                  b.state if b else "", fmt.one_line(b.query if b else "", 50))
    return Group(_Fit(t), Text(lk.limited, style="yellow")) if lk.limited else _Fit(t)


def render_cache(c: Cache, top: int) -> Group:
    head = Text(f"Cache: heap {fmt.pct(c.heap_ratio, 2)} (interval {fmt.pct(c.heap_ratio_interval, 2)}), "
                f"index {fmt.pct(c.idx_ratio, 2)} (interval {fmt.pct(c.idx_ratio_interval, 2)}), "
                f"read/s {fmt.num(c.blks_read_per_s)}, hit/s {fmt.num(c.blks_hit_per_s)}", style="bold")
    t = _table("Tables, worst heap hit ratio first", "table", "heap %", "index %", "toast %", "read/s",
               "blks read", "size")
    for tc in c.tables[:top]:
        t.add_row(display_name(tc.io.schemaname, tc.io.relname), fmt.pct(tc.heap_ratio), fmt.pct(tc.idx_ratio),
                  fmt.pct(tc.toast_ratio), fmt.num(tc.blks_read_per_s), fmt.num(tc.io.heap_blks_read),
                  fmt.bytes_(tc.io.size_bytes))
    return Group(head, _Fit(t))


def render_statements(st: Statements, top: int, own: bool = False) -> Group:
    t = _table("Slow queries (pg_stat_statements, by total time)", "calls", "total ms", "mean ms",
               "Δcalls", "Δms", "rows", "io ms", "hit %", "query")
    for s in derive.top_statements(st, "total", False, top, own=own):
        r = s.row
        t.add_row(fmt.num(r.calls), fmt.num(r.total_exec_ms), fmt.ms(r.mean_exec_ms), fmt.num(s.d_calls),
                  fmt.num(s.d_total_ms), fmt.num(r.rows), fmt.num(r.io_read_ms + r.io_write_ms),
                  fmt.pct(s.hit_ratio), fmt.one_line(s.query or _no_text(s), 60))
    parts = [_Fit(t)]
    n_own = sum(1 for s in st.statements if s.own)
    if n_own and not own:
        parts.append(Text(f"{n_own} statement(s) of pgconsole itself left out (--show-own shows them)", style="dim"))
    if st.limited:
        parts.append(Text(st.limited, style="yellow"))
    return Group(*parts)


def render_bloat(b: Bloat, top: int) -> Group:
    t = _table("Bloat (estimated) and vacuum", "table", "size", "est. bloat", "bloat %", "live", "dead",
               "last vacuum", "last analyze", "note")
    for r in b.tables[:top]:
        lv = max(filter(None, (r.last_vacuum, r.last_autovacuum)), default=None)
        la = max(filter(None, (r.last_analyze, r.last_autoanalyze)), default=None)
        t.add_row(display_name(r.schemaname, r.relname), fmt.bytes_(r.size_bytes), fmt.bytes_(r.est_bloat_bytes),
                  "-" if r.est_bloat_pct is None else f"{r.est_bloat_pct:.0f}%", fmt.num(r.n_live_tup),
                  fmt.num(r.n_dead_tup), lv.strftime("%Y-%m-%d %H:%M") if lv else "never",
                  la.strftime("%Y-%m-%d %H:%M") if la else "never",
                  ("no estimate: " + r.no_estimate_reason) if r.no_estimate_reason else "")
    return Group(_Fit(t), Text(f"method: {b.method}", style="dim"))


def _no_text(s) -> str:
    return f"(other role's statements: {s.hidden_entries} hidden)" if s.hidden else ""


def render(frame: Frame, top: int = 15, own: bool = False) -> Group:
    out = []
    renderers = {
        "overview": (Overview, lambda v: render_overview(v)),
        "connections": (Connections, lambda v: render_connections(v, top)),
        "locks": (Locks, render_locks),
        "cache": (Cache, lambda v: render_cache(v, top)),
        "statements": (Statements, lambda v: render_statements(v, top, own)),
        "bloat": (Bloat, lambda v: render_bloat(v, top)),
    }
    for name, (cls, fn) in renderers.items():
        v = getattr(frame, name)
        out.append(fn(v) if isinstance(v, cls) else _unavailable(name, v))
        out.append(Text(""))
    out.extend(render_replication(frame, top))   # replication, WAL, horizon, autovacuum, I/O
    for e in frame.errors:
        out.append(Text(f"error: {e}", style="red"))
    return Group(*out)
