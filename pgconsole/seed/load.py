"""Run a seed: check the target, stream generated chunks with binary COPY, build keys after.

The whole run is one transaction on one session: a failure, a cancel or Ctrl-C (even
a killed client) leaves every table as it was, and tables the run created do not
exist. Inside it, tables the run created or truncated are loaded with COPY FREEZE,
then primary keys, unique and check constraints, indexes and foreign keys are built
(and so validated) over the loaded rows. The tables are analyzed after the commit: an
ANALYZE inside the transaction is followed by the transaction's own row counts, and the
seeded tables would look as if never analyzed (n_mod_since_analyze = their rows).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Sequence

import asyncpg
from asyncpg.transaction import Transaction

from .. import sqlfiles
from ..conninfo import ConnParams
from ..db import SessionLimits, connect, role_type_names
from ..errors import PgConsoleError, describe
from ..quoting import qualified, quote_ident
from . import ddl, like_load
from .encode import HEADER, TRAILER
from .generate import GenJob, emit_order
from .plan import CHUNK_ROWS, SeedPlan, default_jobs
from .progress import SeedSummary, TableProgress, Tracker
from .finish import Finish, pg_message
from .runner import ChunkRunner, Feed
from .workers import WorkerError
from .target import Target, check, load_order, read_catalog, shown, version_num, with_row_state

APP_NAME = "pgconsole seed"
INLINE_ROWS = 50_000   # below this, worker processes cost more than they save


class SeedCancelled(PgConsoleError):
    """The seed was cancelled before it committed: nothing changed."""


@dataclass(frozen=True)
class TableAction:
    table: str
    rows: int
    action: str                 # create, fill, truncate, append, skip
    builds: tuple[str, ...]     # constraints and indexes that will be created


@dataclass(frozen=True)
class SeedCheck:
    schema: str
    order: tuple[str, ...]
    actions: tuple[TableAction, ...]
    jobs: int


def resolve_jobs(plan: SeedPlan) -> int:
    if plan.options.jobs is not None:
        return max(0, plan.options.jobs)
    return 0 if plan.total_rows < INLINE_ROWS else default_jobs()


async def _inspect(conn: asyncpg.Connection, plan: SeedPlan
                   ) -> tuple[Target, list[str], list[tuple[str, str]], list[str]]:
    target = await read_catalog(conn, plan.options.schema, [tp.name for tp in plan.tables])
    target = await with_row_state(conn, target, plan)
    check(plan, target)
    order, deferred, deferrable = load_order(plan, target)
    return target, order, deferred, deferrable


def _actions(plan: SeedPlan, target: Target, order: list[str]) -> tuple[TableAction, ...]:
    out = []
    taken = set(target.names)
    for name in order:
        tp = plan.table(name)
        t = target.tables.get(name)
        if t is None:
            action = "create"
        elif tp.rows == 0:
            action = "skip"
        elif t.has_rows:
            action = plan.options.mode
        else:
            action = "fill"
        builds = []
        if plan.ddl is not None and not plan.existing_schema:   # seed --like: the source's own
            builds = [s.name for s in plan.ddl.after if s.table == name]
        elif not plan.existing_schema:
            for step in ddl.after_load(plan.options.schema, tp) + ddl.foreign_keys(plan.options.schema, tp):
                if step.name not in taken:
                    builds.append(step.name)
                    taken.add(step.name)
        out.append(TableAction(name, tp.rows, action, tuple(builds)))
    return tuple(out)


async def check_seed(params: ConnParams, plan: SeedPlan, limits: SessionLimits | None = None) -> SeedCheck:
    """What a seed would do (for --dry-run and the console), raising what it would refuse."""
    conn = await connect(params, limits or SessionLimits(), application_name=APP_NAME)
    try:
        target, order, _, _ = await _inspect(conn, plan)
    except asyncpg.PostgresError as exc:
        raise PgConsoleError(describe(exc)) from None
    finally:
        await conn.close()
    return SeedCheck(plan.options.schema, tuple(order), _actions(plan, target, order), resolve_jobs(plan))


async def run_seed(params: ConnParams, plan: SeedPlan, *,
                   progress: Callable[[TableProgress], None] | None = None,
                   cancel: asyncio.Event | None = None,
                   limits: SessionLimits | None = None) -> SeedSummary:
    """Seed the database; every table is loaded and keyed, or nothing is (one transaction).

    progress is called from the event loop (throttled, about 10 times a second per
    table); setting cancel stops the run, rolls it back and raises SeedCancelled.
    """
    t0 = time.perf_counter()
    # generator processes start while the session connects and reads the catalog
    starting = asyncio.ensure_future(_start_runner(plan))
    try:
        conn = await connect(params, limits or SessionLimits(), application_name=APP_NAME)
    except BaseException:
        await _abandon(starting)
        raise
    _widen_send_buffer(conn)
    runner: ChunkRunner | None = None
    committed = False
    tx: Transaction | None = None
    try:
        try:
            await conn.fetchrow(sqlfiles.load("seed_session", version_num(conn)))
            target, order, deferred, deferrable = await _inspect(conn, plan)
        except BaseException:
            await _abandon(starting)
            raise
        runner = await starting
        offsets = {n: t.offset for n, t in target.tables.items() if t.offset}
        if offsets:   # --append: keys continue after the rows there, so the job changes
            await runner.close(ok=True)
            runner = ChunkRunner(GenJob(plan, offsets, {}), resolve_jobs(plan))
            await runner.start()
        trackers = {tp.name: Tracker(tp.name, tp.rows, progress) for tp in plan.tables}
        for tracker in trackers.values():
            tracker.emit(force=True)
        run = _Run(conn, plan, target, runner, trackers, cancel)
        feed = run.feed(order, deferred)   # the first chunks are generated during the DDL
        tx = conn.transaction()
        await tx.start()
        load_s, index_s, built = await run.execute(order, deferred, deferrable, feed)
        skipped = run.skipped
        await tx.commit()
        committed = True
        t = time.perf_counter()
        note = await run.analyze(order) if plan.options.analyze else ""
        index_s += time.perf_counter() - t
        for name in order:
            trackers[name].set_phase("done")
    except asyncpg.PostgresError as exc:
        raise PgConsoleError(pg_message(exc) + "; nothing was committed") from None
    finally:
        if runner is not None:
            await runner.close(ok=committed)
        await _end(conn, tx, committed)
    tables = tuple(trackers[tp.name].snapshot() for tp in plan.tables)
    return SeedSummary(plan.scenario.name, plan.options.schema, plan.options.seed, tables,
                       sum(t.rows_done for t in tables), sum(t.bytes for t in tables), load_s, index_s,
                       time.perf_counter() - t0, tuple(built), note, tuple(skipped))


SEND_BUFFER = 4 << 20


def _widen_send_buffer(conn: asyncpg.Connection) -> None:
    """Ask for a 4 MB socket send buffer (the kernel caps it at net.core.wmem_max).

    The event loop refills the socket between slices of the generator thread (the GIL
    changes hands every few ms): the more the kernel holds, the longer the server can
    read without waiting for the loop. asyncpg exposes no socket, hence the getattr.
    """
    import socket
    transport = getattr(conn, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) < SEND_BUFFER:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    except OSError:
        pass


async def _start_runner(plan: SeedPlan) -> ChunkRunner:
    runner = ChunkRunner(GenJob(plan, {}, {}), resolve_jobs(plan))
    await runner.start()
    return runner


async def _abandon(starting: asyncio.Future[ChunkRunner]) -> None:
    """Stop generator processes that are no longer needed (a failed connection or check)."""
    try:
        runner = await starting
    except BaseException:
        return
    await runner.close(ok=False)


async def _end(conn: asyncpg.Connection, tx: Transaction | None, committed: bool) -> None:
    """Close the session; an unfinished transaction is rolled back, or the session cut."""
    if committed or tx is None:
        await conn.close()
        return
    try:
        await asyncio.wait_for(tx.rollback(), 5)
        await asyncio.wait_for(conn.close(), 5)
    except BaseException:
        # mid-COPY or cancelled: dropping the connection makes the server roll back
        conn.terminate()


_COLUMN_RE = re.compile(r"column (\"(?:[^\"]|\"\")+\"|\S+?)(?::|$)")


def copy_error(exc: asyncpg.PostgresError, schema: str, table: str) -> str:
    """'table public.users, column email: <cause>': where the server says it failed."""
    ctx = getattr(exc, "context", None) or ""
    m = _COLUMN_RE.search(ctx)
    col = f", column {m.group(1)}" if m else ""
    return (f"table {shown(schema, table)}{col}: {pg_message(exc)}"
            f"; nothing was committed")


class _Run(Finish):
    def __init__(self, conn: asyncpg.Connection, plan: SeedPlan, target: Target, runner: ChunkRunner,
                 trackers: dict[str, Tracker], cancel: asyncio.Event | None) -> None:
        self.conn, self.plan, self.target, self.runner = conn, plan, target, runner
        self.trackers, self.cancel = trackers, cancel
        self.schema = plan.options.schema
        self.dropped: set[str] = set()
        self.spent: dict[str, float] = {}
        self.skipped: list[tuple[str, str]] = []   # seed --like: what could not be built, and why
        self.routes = like_load.routes(plan)

    def feed(self, order: list[str], deferred: list[tuple[str, str]]) -> Feed:
        """Chunks of every table in load order; generation starts at once, ahead of the COPY."""
        plan, skip = self.plan, set(deferred)
        self.columns = {n: tuple(emit_order(plan.table(n), [c for c in plan.table(n).copy_columns
                                                            if (n, c) not in skip])) for n in order}
        feed = Feed(self.runner, [(n, i, self.columns[n]) for n in order for i in range(_chunks(plan.table(n).rows))])
        feed.prime()
        return feed

    async def execute(self, order: list[str], deferred: list[tuple[str, str]], deferrable: list[str],
                      feed: Feed) -> tuple[float, float, list[str]]:
        conn, plan, schema = self.conn, self.plan, self.schema
        for name in deferrable:
            await conn.execute(f"SET CONSTRAINTS {qualified(schema, name)} DEFERRED")
        if not self.target.schema_exists:
            await conn.execute(f"CREATE SCHEMA {quote_ident(schema)}")
        fresh: set[str] = set()
        if plan.options.mode == "truncate":
            full = [n for n in order if self.target.tables.get(n) and self.target.tables[n].has_rows
                    and plan.table(n).rows > 0]
            if full:
                await self._drop_ours(order, set(full))
                # (partitions seeded by --like: through their root, which other tables' keys name)
                await conn.execute("TRUNCATE " + ", ".join(qualified(schema, n)
                                                           for n in dict.fromkeys(self.routes.get(n, n) for n in full)))
                fresh.update(n for n in full if not self.target.tables[n].partitioned)   # FREEZE: not those
        if plan.ddl is not None and not plan.existing_schema:   # seed --like: the source's schema
            fresh |= await like_load.create(self, order)
        else:
            created = [name for name in order if name not in self.target.tables]
            types = await role_type_names(conn, {c.type.sql for n in created for c in plan.table(n).spec.columns})
            for name in created:
                await conn.execute(ddl.create_table(schema, plan.table(name), types))
                fresh.add(name)
        columns = self.columns
        t_load = time.perf_counter()
        try:
            for name in order:
                await self._copy(name, self.routes.get(name, name), columns[name], feed,
                                 freeze=name in fresh and name not in self.routes)
        finally:
            feed.cancel()
        for table, col in deferred:
            await self._fix_deferred(table, col)
        load_s = time.perf_counter() - t_load
        t_index = time.perf_counter()
        built = await self._build(order)
        await self._sequences(order)
        return load_s, time.perf_counter() - t_index, built

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SeedCancelled("seed cancelled: nothing was committed")

    async def _copy(self, name: str, into: str, columns: Sequence[str], feed: Feed, freeze: bool, schema: str | None = None,
                    track: bool = True) -> None:
        rows = self.plan.table(name).rows
        if rows == 0:
            return
        tracker = self.trackers[name] if track else None
        if tracker:
            tracker.start()

        async def source() -> AsyncIterator[bytes]:
            yield HEADER
            for i in range(_chunks(rows)):
                self._check_cancel()
                data = await feed.next()
                if tracker:
                    tracker.add(min(CHUNK_ROWS, rows - i * CHUNK_ROWS), len(data))
                yield data
            self._check_cancel()
            yield TRAILER

        try:
            await self.conn.copy_to_table(into, schema_name=schema or self.schema, columns=list(columns),
                                          source=source(), format="binary", freeze=freeze or None)
        except asyncpg.PostgresError as exc:
            raise PgConsoleError(copy_error(exc, schema or self.schema, into)) from None
        except (PgConsoleError, asyncio.CancelledError):
            raise
        except Exception as exc:   # a generator failed in a worker: say where, not a traceback
            kind = exc.kind if isinstance(exc, WorkerError) else type(exc).__name__
            raise PgConsoleError(f"table {shown(self.schema, name)}: generating rows failed: "
                                 f"{kind}: {exc}; nothing was committed") from exc
        if tracker:
            tracker.finish_load()

    async def _fix_deferred(self, table: str, col: str) -> None:
        """A foreign key in a cycle was loaded NULL: set it now that every table is loaded."""
        pk = next((c.columns for c in self.target.constraints
                   if c.type == "p" and c.table_name == table and c.table_schema == self.schema), None)
        if not pk:
            raise PgConsoleError(f"table {shown(self.schema, table)}: {col} closes a foreign key cycle and "
                                 f"the table has no primary key to set it by")
        tp = self.plan.table(table)
        names = tuple(emit_order(tp, list(pk) + [col]))
        tmp = "pgconsole_seed_fix"
        cols = ", ".join(map(quote_ident, names))
        await self.conn.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS SELECT {cols} "
                                f"FROM {qualified(self.schema, table)} WITH NO DATA")
        feed = Feed(self.runner, [(table, i, names) for i in range(_chunks(tp.rows))])
        try:
            await self._copy(table, tmp, names, feed, freeze=False, schema="pg_temp", track=False)
        finally:
            feed.cancel()
        on = " AND ".join(f"t.{quote_ident(c)} = f.{quote_ident(c)}" for c in pk)
        try:
            await self.conn.execute(f"UPDATE {qualified(self.schema, table)} t SET {quote_ident(col)} = "
                                    f"f.{quote_ident(col)} FROM pg_temp.{tmp} f WHERE {on}")
        except asyncpg.PostgresError as exc:
            raise PgConsoleError(f"table {shown(self.schema, table)}, column {col}: {pg_message(exc)}; "
                                 f"nothing was committed") from None
        await self.conn.execute(f"DROP TABLE pg_temp.{tmp}")


def _chunks(rows: int) -> int:
    return (rows + CHUNK_ROWS - 1) // CHUNK_ROWS
