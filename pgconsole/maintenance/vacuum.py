"""VACUUM / ANALYZE, table by table, watched from a second session.

    run = VacuumRun(params, ["public.orders", '"Mixed Case"'], VacuumOptions(verbose=True))
    await run.start()                 # resolves tables; PgConsoleError for a missing one
    async for ev in run.events():     # TableStarted / VacuumProgress / VacuumMessage / VacuumTableResult
        ...
    report = await run.wait()         # VacuumReport: before/after per table

or `async with VacuumRun(...) as run:`, which cancels what still runs when the block exits.

VACUUM runs on its own connection (it cannot run inside a transaction block, and
asyncpg's execute outside one is plain autocommit) with no statement_timeout but with
a lock_timeout, so a table locked by another session fails with a clear error naming
the holder instead of hanging. A second connection polls pg_stat_progress_vacuum /
_analyze and reads the before/after figures; its queries wait for locks (sizes take a
share lock) under the same lock_timeout, and its statement_timeout leaves room for that
wait, so whichever query meets the lock, the error is the lock's and names the holder.
No TABLE means every table the role may vacuum in the database, one statement each, so
each gets its own progress and report.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Sequence, Union

import asyncpg

from .. import capabilities
from ..conninfo import ConnParams
from ..db import SessionLimits, connect
from ..errors import PgConsoleError, describe
from ..runs import EventRun
from ..quoting import qualified
from ..snapshots import from_record
from ..tables import TableRef, resolve_table
from .stats import (TableVacuumStats, VacuumProgress, lock_holders, read_progress, read_stats,
                    read_stats_after)

APP_NAME = "pgconsole-vacuum"
_KINDS = {"r": "table", "p": "partitioned table", "m": "materialized view", "t": "TOAST table",
          "v": "view", "S": "sequence", "i": "index", "I": "partitioned index", "f": "foreign table",
          "c": "composite type"}
_VACUUMABLE = {"r", "p", "m", "t"}
# what a query on a live connection can raise: server errors, a lost connection
_DB_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


@dataclass(frozen=True)
class VacuumOptions:
    analyze: bool = True              # VACUUM (ANALYZE); False: plain VACUUM
    analyze_only: bool = False        # ANALYZE alone
    verbose: bool = False             # VERBOSE: the server's INFO report per table
    lock_timeout_ms: int = 1000
    cost_delay_ms: float | None = None  # vacuum_cost_delay for this session (throttle)
    poll_s: float = 0.2               # progress polling interval

    def validate(self) -> None:
        if self.lock_timeout_ms <= 0:
            raise PgConsoleError("the lock timeout must be positive")
        if self.cost_delay_ms is not None and not 0 <= self.cost_delay_ms <= 100:
            raise PgConsoleError("--cost-delay must be between 0 and 100 ms")
        if not self.poll_s > 0:
            raise PgConsoleError("the progress interval must be positive")


def command_sql(table: TableRef, opts: VacuumOptions) -> str:
    """The statement for one table; the identifier is quoted by pgconsole.quoting."""
    if opts.analyze_only:
        return f"ANALYZE{' (VERBOSE)' if opts.verbose else ''} {table.sql_name}"
    flags = [f for f, on in (("ANALYZE", opts.analyze), ("VERBOSE", opts.verbose)) if on]
    return f"VACUUM{' (' + ', '.join(flags) + ')' if flags else ''} {table.sql_name}"


@dataclass(frozen=True)
class TableStarted:
    table: TableRef
    command: str
    index: int        # 1-based position in this run
    count: int        # tables in this run


@dataclass(frozen=True)
class VacuumMessage:
    """A server message during the run: VERBOSE reports (INFO), warnings."""

    table: str
    severity: str
    text: str


@dataclass(frozen=True)
class VacuumTableResult:
    table: TableRef
    command: str
    status: str                          # "done", "failed", "skipped", "cancelled"
    before: TableVacuumStats | None
    after: TableVacuumStats | None
    seconds: float                       # the statement's run time
    phases: tuple[str, ...] = ()         # distinct phases seen while polling, first-seen order
    samples: int = 0                     # progress polls that saw the command
    error: str | None = None
    messages: tuple[str, ...] = ()

    @property
    def dead_removed(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.before.dead_tuples - self.after.dead_tuples

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["table"] = str(self.table)
        d["dead_removed"] = self.dead_removed
        return d


@dataclass(frozen=True)
class VacuumReport:
    database: str
    server_version: str
    options: VacuumOptions
    results: tuple[VacuumTableResult, ...]
    seconds: float
    cancelled: bool = False

    @property
    def failed(self) -> tuple[VacuumTableResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    def to_dict(self) -> dict[str, Any]:
        return {"database": self.database, "server_version": self.server_version,
                "options": asdict(self.options), "seconds": self.seconds, "cancelled": self.cancelled,
                "tables": [r.to_dict() for r in self.results]}


VacuumEvent = Union[TableStarted, VacuumProgress, VacuumMessage, VacuumTableResult]
TableSpec = Union[str, TableRef, tuple[str | None, str]]   # a name, a resolved table, (schema, name)


class VacuumRun(EventRun[VacuumEvent]):
    """VACUUM/ANALYZE of some tables (or all), observable and cancellable."""

    def __init__(self, params: ConnParams, tables: Sequence[TableSpec] = (),
                 options: VacuumOptions = VacuumOptions(), *, limits: SessionLimits = SessionLimits(),
                 on_event: Callable[[VacuumEvent], None] | None = None):
        self.params = params
        self.specs = list(tables)
        self.options = options
        self.limits = limits
        self.targets: list[TableRef] = []
        self.database = ""
        self.server_version = ""
        self._caps: capabilities.Capabilities | None = None
        self._mon: asyncpg.Connection | None = None
        self._vac: asyncpg.Connection | None = None
        super().__init__(on_event)
        self._stmt: asyncio.Task[str] | None = None
        self._stopping = False
        self._current = ""
        self._messages: list[str] = []
        self._skipped: str | None = None

    # -- public API -----------------------------------------------------------------
    async def start(self) -> None:
        self.options.validate()
        try:
            await self._open()
        except _DB_ERRORS as exc:  # the UI gets PgConsoleError only, never a driver error
            await self._close()
            raise PgConsoleError(describe(exc, self.params.describe())) from None
        except BaseException:
            await self._close()
            raise
        self._task = asyncio.create_task(self._drive(), name="vacuum-run")

    def stop(self) -> None:
        """Cancel the statement running now (the server rolls it back) and skip the rest."""
        self._stopping = True
        if self._stmt is not None and not self._stmt.done():
            self._stmt.cancel()  # asyncpg sends the server a cancel request

    async def wait(self) -> VacuumReport:
        if self._task is None:
            raise PgConsoleError("internal: VacuumRun.wait() before start()")
        try:
            return await asyncio.shield(self._task)
        except asyncio.CancelledError:
            self.stop()
            raise

    # -- steps ----------------------------------------------------------------------
    async def _open(self) -> None:
        # the same lock_timeout for the figures (sizes take a share lock) as for VACUUM, and a
        # statement_timeout that cannot fire during that wait (a --lock-timeout above the
        # statement timeout would otherwise end as "statement timeout", naming no one)
        lock_ms = self.options.lock_timeout_ms
        mon_limits = SessionLimits(statement_timeout_ms=self.limits.statement_timeout_ms + lock_ms,
                                   lock_timeout_ms=lock_ms,
                                   connect_timeout_s=self.limits.connect_timeout_s)
        self._mon = await connect(self.params, mon_limits, application_name="pgconsole")
        self._caps = caps = await capabilities.probe(self._mon)
        self.database, self.server_version = caps.current_database, caps.version
        if self.specs:
            seen: set[int] = set()
            for spec in self.specs:
                ref = await resolve_table(self._mon, caps, _spec_text(spec))
                self._check_kind(ref)
                if ref.relid not in seen:
                    seen.add(ref.relid)
                    self.targets.append(ref)
        else:
            rows = await self._mon.fetch(caps.sql("vacuum_all_tables"))
            self.targets = [from_record(TableRef, r) for r in rows]
        # VACUUM: unbounded run time, bounded wait for its lock
        vac_limits = SessionLimits(statement_timeout_ms=0, lock_timeout_ms=self.options.lock_timeout_ms,
                                   connect_timeout_s=self.limits.connect_timeout_s)
        self._vac = await connect(self.params, vac_limits, application_name=APP_NAME)
        if self.options.cost_delay_ms is not None:
            await self._vac.fetchval(caps.sql("vacuum_session"), f"{self.options.cost_delay_ms:g}")
        self._vac.add_log_listener(self._on_log)

    def _check_kind(self, ref: TableRef) -> None:
        ok = _VACUUMABLE | ({"f"} if self.options.analyze_only else set())
        if ref.relkind not in ok:
            what = _KINDS.get(ref.relkind, f"relation of kind {ref.relkind!r}")
            verb = "ANALYZE" if self.options.analyze_only else "VACUUM"
            article = "an" if what[0] in "aeiou" else "a"
            raise PgConsoleError(f"{ref.display} is {article} {what}: {verb} works on tables and materialized views")

    async def _drive(self) -> VacuumReport:
        t0 = time.monotonic()
        results: list[VacuumTableResult] = []
        try:
            for i, ref in enumerate(self.targets, 1):
                sql = command_sql(ref, self.options)
                if self._stopping:
                    results.append(VacuumTableResult(ref, sql, "cancelled", None, None, 0.0))
                    continue
                self._emit(TableStarted(ref, sql, i, len(self.targets)))
                res = await self._one(ref, sql)
                results.append(res)
                self._emit(res)
            return VacuumReport(self.database, self.server_version, self.options, tuple(results),
                                time.monotonic() - t0, cancelled=self._stopping)
        finally:
            await self._close()
            self._finish()

    async def _one(self, ref: TableRef, sql: str) -> VacuumTableResult:
        assert self._mon is not None and self._vac is not None and self._caps is not None   # start() set them
        caps, analyze = self._caps, self.options.analyze_only
        self._current, self._messages, self._skipped = str(ref), [], None
        t0 = time.monotonic()
        try:
            before = await read_stats(self._mon, caps, ref.relid)
        except asyncpg.LockNotAvailableError:
            return VacuumTableResult(ref, sql, "failed", None, None, time.monotonic() - t0,
                                     error=await self._lock_error(ref, sql.split(" ", 1)[0]))
        except _DB_ERRORS as exc:
            return VacuumTableResult(ref, sql, "failed", None, None, time.monotonic() - t0,
                                     error=f"{ref}: {describe(exc)}")
        phases: list[str] = []
        samples = 0
        t0 = time.monotonic()
        self._stmt = stmt = asyncio.create_task(self._vac.execute(sql))
        pid = self._vac.get_server_pid()
        while not stmt.done():
            await asyncio.wait({stmt}, timeout=self.options.poll_s)
            if stmt.done():
                break
            try:
                p = await read_progress(self._mon, caps, pid, str(ref), ref.relid)
            except _DB_ERRORS:
                await asyncio.wait({stmt}, timeout=self.options.poll_s)
                continue  # a missed sample is not worth failing the run for
            if p is None:
                continue
            if p.command is not None:
                samples += 1
                label = p.phase if p.command == "VACUUM" else f"analyze: {p.phase}"
                if label not in phases:
                    phases.append(label)
            self._emit(p)
        error, status = None, "done"
        try:
            await stmt
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            status, error = "cancelled", "cancelled"
        except asyncpg.LockNotAvailableError:
            status, error = "failed", await self._lock_error(ref, sql.split(" ", 1)[0])
        except asyncpg.QueryCanceledError:
            status, error = ("cancelled", "cancelled") if self._stopping else ("failed", f"{sql}: cancelled by the server")
        except _DB_ERRORS as exc:
            status, error = "failed", f"{sql}: {describe(exc)}"
        finally:
            self._stmt = None
        seconds = time.monotonic() - t0
        if status == "done" and self._skipped:
            status, error = "skipped", self._skipped
        try:
            after = await (read_stats_after(self._mon, caps, ref.relid, before, analyze) if status == "done"
                           else read_stats(self._mon, caps, ref.relid))
        except asyncpg.LockNotAvailableError:   # the run happened; only its figures are missing
            after = None
            error = error or await self._lock_error(ref, f"reading the figures after {sql.split(' ', 1)[0]} of")
        except _DB_ERRORS:
            after = None
        return VacuumTableResult(ref, sql, status, before, after, seconds, tuple(phases), samples, error,
                                 tuple(self._messages))

    async def _lock_error(self, ref: TableRef, verb: str) -> str:
        secs = f"{self.options.lock_timeout_ms / 1000:g} s"
        assert self._mon is not None and self._caps is not None   # from _one, after start()
        try:
            holders = await lock_holders(self._mon, self._caps, ref.relid)
        except _DB_ERRORS:
            holders = ()
        who = "; ".join(h.describe() for h in holders[:3]) or "another session holds a conflicting lock"
        return f"{verb} {ref}: lock not granted within {secs} ({who}); retry later or raise --lock-timeout"

    def _on_log(self, _conn: object, msg: object) -> None:
        severity = getattr(msg, "severity", "") or ""
        text = str(getattr(msg, "message", msg))
        self._messages.append(text)
        # VACUUM of a table we may not maintain is a WARNING and a no-op, not an error
        if severity.upper() == "WARNING" and "skipping" in text:
            self._skipped = text
        self._emit(VacuumMessage(self._current, severity, text))

    async def _close(self) -> None:
        for conn in (self._vac, self._mon):
            if conn is not None and not conn.is_closed():
                try:
                    await asyncio.wait_for(conn.close(), 5)
                except (Exception, asyncio.TimeoutError):
                    conn.terminate()



async def run_vacuum(params: ConnParams, tables: Sequence[TableSpec] = (),
                     options: VacuumOptions = VacuumOptions(), *, limits: SessionLimits = SessionLimits(),
                     on_event: Callable[[VacuumEvent], None] | None = None) -> VacuumReport:
    """Start a run and wait for its report, passing each event to `on_event`."""
    run = VacuumRun(params, tables, options, limits=limits, on_event=on_event)
    await run.start()
    return await run.wait()


def _spec_text(spec: TableSpec) -> str:
    """A table as the user typed it, or (schema, name) / TableRef from the console, quoted."""
    if isinstance(spec, TableRef):
        return qualified(spec.schemaname, spec.relname)
    if isinstance(spec, tuple):
        schema, name = spec
        return qualified(schema, name)
    return spec
