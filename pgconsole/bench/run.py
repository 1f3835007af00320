"""Run pgbench as a subprocess and stream what it reports.

    run = BenchRun(params, BenchConfig(clients=4, duration_s=30))
    await run.start()                 # checks (server, pgbench, tables); PgConsoleError on a problem
    async for event in run.events():  # BenchPhase / InitProgress / ProgressSample / BenchLog
        ...
    result = await run.wait()         # BenchResult, also after stop() or a pgbench failure

or `async with BenchRun(...) as run:`, which stops and reaps pgbench when the block exits.

`stop()` may be called at any time (a key press, Ctrl-C): pgbench gets SIGINT, then
SIGTERM and SIGKILL if it lingers, and the result still reports what ran, rebuilt from
the progress lines. pgbench runs in its own session (no controlling terminal): it can
never stop on a password prompt, and the terminal's Ctrl-C reaches only pgconsole,
which decides how pgbench ends. Cancelling the task that awaits wait() kills pgbench too.

pgbench's sessions wait at most pgconsole's lock_timeout for a lock (its start-up VACUUM
has none of its own), a failure on a lock names the sessions holding the pgbench tables,
and from 14 a session whose pgbench is gone ends within a second, whatever it was doing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import asdict, dataclass
from typing import Any, AsyncIterator, Callable, Union

import asyncpg

from .. import capabilities, sqlfiles
from ..conninfo import ConnParams
from ..db import SessionLimits, connect, role_schemas
from ..errors import PgConsoleError, describe
from ..maintenance.stats import LockHolder, lock_holders
from ..runs import EventRun
from .args import PGBENCH_TABLES, BenchConfig, child_env, init_argv, run_argv
from .locate import PgBench, locate
from .parse import (InitProgress, ProgressSample, ProgressTotals, error_lines, error_message, parse_init_line,
                    parse_progress, totals)
from .summary import BenchSummary, parse_summary

STOP_GRACE_S = 3.0  # after SIGINT, before SIGTERM
# table locks that block pgbench's UPDATEs and its start-up VACUUM
_BLOCKS_WRITES = ("AccessExclusiveLock", "ExclusiveLock", "ShareRowExclusiveLock", "ShareLock")


@dataclass(frozen=True)
class BenchPhase:
    phase: str        # "initializing", "running", "stopping", "finished"
    detail: str = ""


@dataclass(frozen=True)
class BenchLog:
    """A line pgbench wrote that is neither progress nor init progress (notes, errors)."""

    text: str


BenchEvent = Union[BenchPhase, InitProgress, ProgressSample, BenchLog]


@dataclass(frozen=True)
class BenchResult:
    status: str                       # "completed", "interrupted", "failed", "initialized"
    config: BenchConfig
    pgbench: PgBench
    server_version: str
    target: str                       # where it ran (no password)
    argv: tuple[str, ...]             # the benchmark command line (no secrets in it)
    exit_code: int | None
    summary: BenchSummary | None      # pgbench's own final report, when it printed one
    samples: tuple[ProgressSample, ...]
    totals: ProgressTotals            # from the progress lines: what ran, even when stopped
    wall_s: float
    init_s: float | None = None
    error: str | None = None          # pgbench's own error text, one line
    error_detail: tuple[str, ...] = ()
    note: str | None = None           # e.g. pgbench older than the server
    output: str = ""                  # pgbench's stdout as printed (its own report)

    @property
    def tps(self) -> float | None:
        if self.summary is not None and self.summary.headline_tps is not None:
            return self.summary.headline_tps
        return self.totals.tps if self.samples else None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tps"] = self.tps
        d["samples"] = [asdict(s) for s in self.samples]
        return d


class BenchRun(EventRun[BenchEvent]):
    """One pgbench run (optionally preceded by `pgbench -i`), observable and stoppable."""

    def __init__(self, params: ConnParams, config: BenchConfig, *, pgbench_path: str | None = None,
                 limits: SessionLimits = SessionLimits(),
                 on_event: Callable[[BenchEvent], None] | None = None):
        self.params = params
        self.config = config
        self.pgbench_path = pgbench_path
        self.limits = limits
        self.pgbench: PgBench | None = None
        self.note: str | None = None
        self.server_version = ""
        self._caps: capabilities.Capabilities | None = None
        self.samples: list[ProgressSample] = []
        super().__init__(on_event)
        self._proc: asyncio.subprocess.Process | None = None
        self._stopping = False
        self._killer: asyncio.Task[None] | None = None

    # -- public API ---------------------------------------------------------------
    async def start(self) -> None:
        """Check everything that can be checked up front, then start pgbench."""
        self.config.validate()
        await self._preflight()
        self._task = asyncio.create_task(self._drive(), name="pgbench-run")

    def stop(self, force: bool = False) -> None:
        """Ask pgbench to stop (SIGINT); `force` kills it at once. Safe to call repeatedly."""
        self._stopping = True
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if force:
            _signal(proc, signal.SIGKILL)
        elif self._killer is None:
            self._emit(BenchPhase("stopping"))
            self._killer = asyncio.create_task(self._terminate(proc))

    async def wait(self) -> BenchResult:
        if self._task is None:
            raise PgConsoleError("internal: BenchRun.wait() before start()")
        try:
            return await asyncio.shield(self._task)
        except asyncio.CancelledError:
            # the caller gave up: leave no pgbench behind
            self.stop()
            if self._proc is not None and self._proc.returncode is None:
                await self._terminate(self._proc, grace=1.0)
            raise

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- steps --------------------------------------------------------------------
    async def _preflight(self) -> None:
        conn = await connect(self.params, self.limits, application_name="pgconsole")
        try:
            caps = await capabilities.probe(conn)
            rows = await pgbench_tables(conn, caps.version_num)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            raise PgConsoleError(describe(exc, self.params.describe())) from None
        finally:
            await conn.close()
        self.server_version, self._caps = caps.version, caps
        choice = await asyncio.to_thread(locate, caps.major, self.pgbench_path)
        self.pgbench, self.note = choice.pgbench, choice.note
        cfg, db = self.config, caps.current_database
        present = sorted({r["name"] for r in rows})
        writes = cfg.init or (cfg.builtin not in (None, "select-only"))
        if caps.is_standby and writes:
            raise PgConsoleError(f"{self.params.describe()} is a standby (read-only): only "
                                 f"--builtin select-only can run there, without --init")
        if cfg.init and present and not cfg.force:
            where = sorted({f"{r['schema']}.{r['name']}" for r in rows})
            raise PgConsoleError(f"pgbench tables already exist in database {db!r} ({', '.join(where)}): "
                                 f"run without --init{' and --scale' if cfg.scale else ''} to use them as "
                                 "they are, or add --force to drop and re-create them")
        if not cfg.init:
            missing = [t for t in cfg.needs_tables if t not in present]
            if missing:
                what = "no pgbench tables" if len(missing) == len(PGBENCH_TABLES) or not present \
                    else f"missing {', '.join(missing)}"
                raise PgConsoleError(f"{what} in database {db!r}: run with --init first "
                                     f"(--scale N sets the size: 100,000 accounts per unit)")

    async def _drive(self) -> BenchResult:
        try:
            return await self._drive_steps()
        finally:
            self._finish()  # events() ends, whatever happened

    async def _drive_steps(self) -> BenchResult:
        assert self.pgbench is not None
        cfg = self.config
        assert self._caps is not None
        env = child_env(self.params, lock_timeout_ms=self.limits.lock_timeout_ms,
                        server_version_num=self._caps.version_num)
        t0 = time.monotonic()
        init_s = None
        argv: list[str] = []
        stdout = ""
        stderr: list[str] = []
        code: int | None = None
        status = "completed"
        try:
            if cfg.init:
                self._emit(BenchPhase("initializing", f"scale {cfg.scale or 1}"))
                code, stdout, stderr = await self._run(init_argv(self.pgbench.path, cfg), env, init=True)
                init_s = time.monotonic() - t0
                if self._stopping:
                    status = "interrupted"
                elif code != 0:
                    status = "failed"
                elif cfg.init_only:
                    status = "initialized"
            if status == "completed":
                argv = run_argv(self.pgbench.path, cfg)
                self._emit(BenchPhase("running", _describe(cfg)))
                code, stdout, stderr = await self._run(argv, env, init=False)
                if self._stopping:
                    status = "interrupted"
                elif code != 0:
                    status = "failed"
        finally:
            if self._proc is not None and self._proc.returncode is None:
                await self._terminate(self._proc, grace=1.0)
        summary = parse_summary(stdout) if stdout.strip() else None
        if summary is not None and not summary.complete and summary.transactions is None:
            summary = None
        err = error_message(stderr) if status == "failed" else None
        if status == "failed" and not err:
            err = f"pgbench exited with status {code}"
        if status == "failed" and "lock timeout" in (err or ""):
            err = f"{err}; {await self._lock_holders()}; retry later or raise --lock-timeout"
        result = BenchResult(
            status=status, config=cfg, pgbench=self.pgbench, server_version=self.server_version,
            target=self.params.describe(), argv=tuple(argv), exit_code=code, summary=summary,
            samples=tuple(self.samples), totals=totals(self.samples), wall_s=time.monotonic() - t0,
            init_s=init_s, error=err, error_detail=tuple(error_lines(stderr)) if status == "failed" else (),
            note=self.note, output=stdout)
        self._emit(BenchPhase("finished", status))
        return result

    async def _lock_holders(self) -> str:
        """Who holds locks on the pgbench tables now (the sessions pgbench waited behind):
        those whose locks block its writes when there are any (not a passing autovacuum)."""
        assert self._caps is not None
        held: list[tuple[LockHolder, str]] = []
        try:
            conn = await connect(self.params, self.limits, application_name="pgconsole")
            try:
                for t in await pgbench_tables(conn, self._caps.version_num):
                    held += [(h, f"{t['schema']}.{t['name']}")
                             for h in await lock_holders(conn, self._caps, t["relid"])]
            finally:
                await conn.close()
        except (PgConsoleError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            pass
        blocking = [(h, t) for h, t in held if h.mode in _BLOCKS_WRITES]
        return "; ".join(h.describe(on=t) for h, t in (blocking or held)[:3]) or \
            "another session held a conflicting lock"

    async def _run(self, argv: list[str], env: dict[str, str], init: bool) -> tuple[int | None, str, list[str]]:
        if self._stopping:
            return None, "", []
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
        except OSError as exc:
            raise PgConsoleError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
        self._proc = proc
        if self._stopping:  # stop() came while we were starting it
            self._killer = asyncio.create_task(self._terminate(proc))
        start_epoch = time.time()
        stderr: list[str] = []

        async def read_stderr() -> None:
            assert proc.stderr is not None
            async for line in _lines(proc.stderr):
                stderr.append(line)
                ev: InitProgress | ProgressSample | None
                if init:
                    ev = parse_init_line(line)
                else:
                    prev = self.samples[-1] if self.samples else None
                    ev = sample = parse_progress(line, prev, start_epoch)
                    if sample is not None:
                        self.samples.append(sample)
                self._emit(ev if ev is not None else BenchLog(line))

        assert proc.stdout is not None
        out_task = asyncio.create_task(proc.stdout.read())
        await read_stderr()
        out = await out_task
        code = await proc.wait()
        return code, out.decode(errors="replace"), stderr

    async def _terminate(self, proc: asyncio.subprocess.Process, grace: float = STOP_GRACE_S) -> None:
        """SIGINT, then SIGTERM, then SIGKILL, to pgbench's process group; always reaps it."""
        for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 2.0), (signal.SIGKILL, 10.0)):
            if proc.returncode is not None:
                return
            _signal(proc, sig)
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), wait)
                return
            except asyncio.TimeoutError:
                continue



async def pgbench_tables(conn: asyncpg.Connection, version_num: int) -> list[asyncpg.Record]:
    """The pgbench_* tables pgbench would use: found along the role's own search_path, as
    pgbench names them (this session's own is pg_catalog's: pgconsole.db)."""
    rows: list[asyncpg.Record] = await conn.fetch(sqlfiles.load("pgbench_tables", version_num),
                                                  list(await role_schemas(conn)))
    return rows


async def run_bench(params: ConnParams, config: BenchConfig, *, pgbench_path: str | None = None,
                    limits: SessionLimits = SessionLimits(),
                    on_event: Callable[[BenchEvent], None] | None = None) -> BenchResult:
    """Start a run and wait for its result, passing each event to `on_event`."""
    run = BenchRun(params, config, pgbench_path=pgbench_path, limits=limits, on_event=on_event)
    await run.start()
    return await run.wait()


def _signal(proc: asyncio.subprocess.Process, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # its own session: the group is pgbench alone
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


async def _lines(stream: asyncio.StreamReader) -> AsyncIterator[str]:
    """Lines split on \\n or \\r (pgbench redraws init progress with \\r on a terminal)."""
    buf = b""
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            break
        buf += chunk
        parts = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        buf = parts.pop()
        for p in parts:
            if p.strip():
                yield p.decode(errors="replace")
    if buf.strip():
        yield buf.decode(errors="replace")


def _describe(cfg: BenchConfig) -> str:
    what = cfg.builtin or ", ".join(cfg.scripts)
    span = f"{cfg.transactions} transactions/client" if cfg.transactions else f"{cfg.run_seconds} s"
    rate = f", rate {cfg.rate:g} tps" if cfg.rate else ""
    return f"{what}: {cfg.clients} clients, {cfg.jobs} jobs, {span}{rate}"
