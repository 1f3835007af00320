"""The monitoring session: one connection, all collectors, one poll at a time.

Both `pgconsole snapshot` and the console drive this. A poll runs the due
collectors in order on the single monitoring connection (asyncpg runs one query at
a time per connection, and one connection is the least a monitor can cost). A
collector that fails for good (privilege, missing extension, repeated timeouts)
turns into an Unavailable view once and is never retried on this connection; the
others keep working. A timeout is not a refusal: the view keeps its last value, marked
stale, and is asked again later (collectors/cadence.py); an expensive view measures
what each run cost and spaces its runs out to stay within its share of a core.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, TypeVar

import asyncpg

from . import db
from .capabilities import Capabilities, probe
from .collectors.activity import ConnectionsCollector, LocksCollector
from .collectors.base import Collector
from .collectors.bloat import BloatCollector
from .collectors.cache import CacheCollector
from .collectors.cache_book import RELATIONS_EVERY_S, RELATIONS_HIDDEN_S
from .collectors.overview import OverviewCollector
from .collectors.replication import replication_collectors
from .collectors.statements import StatementsCollector
from .conninfo import ConnParams
from .errors import PgConsoleError, describe
from .replication_snapshots import VIEWS as REPLICATION_VIEWS
from .snapshots import Frame, Stale, Unavailable

T = TypeVar("T")
VIEWS = ("overview", "connections", "locks", "cache", "statements", "bloat") + REPLICATION_VIEWS


class ConnectionLost(PgConsoleError):
    """The monitoring connection went away (server restart, terminated session)."""


def default_collectors() -> list[Collector]:
    # order matters: the overview takes the session counts of the connections read just
    # before it, and locks reuse those connections
    return [ConnectionsCollector(), OverviewCollector(), LocksCollector(), CacheCollector(),
            StatementsCollector(), BloatCollector()] + replication_collectors()


class Monitor:
    def __init__(self, params: ConnParams, limits: db.SessionLimits = db.SessionLimits(),
                 collectors: list[Collector] | None = None):
        self.params = params
        self.limits = limits
        self.collectors = collectors or default_collectors()
        self.conn: asyncpg.Connection | None = None
        self.caps: Capabilities | None = None
        self.views: dict[str, Any] = {name: None for name in VIEWS}   # each of its Frame field's type
        self.tick = 0
        self.seq = 0
        self._collected_at: dict[str, float] = {}   # monotonic time of each view's last collection
        self._collected_wall: dict[str, datetime] = {}   # the same, wall clock (for "stale since")
        self._failed_at: dict[str, float] = {}   # last attempt, when it failed (cleared on success)
        self.shown_views: frozenset[str] | None = None   # None: all (snapshot, report)
        self._lock = asyncio.Lock()

    def include_idle_sessions(self, on: bool) -> None:
        """Whether the connections view lists idle sessions (the console: only while shown)."""
        for c in self.collectors:
            if isinstance(c, ConnectionsCollector):
                c.idle_rows = on

    def show_views(self, views: frozenset[str] | None) -> frozenset[str]:
        """The views on screen (the console's pane); the others keep their hidden interval.
        None: every view counts as shown. The overview's database sizes are read at their own
        interval only while "overview" is among them (snapshots, reports and recordings show
        them; the console's header does not). Answers the shown views whose data is older than
        their shown interval (the caller refreshes them now rather than at the next cadence)."""
        self.shown_views = None if views is None else frozenset(views)
        for c in self.collectors:
            if isinstance(c, ConnectionsCollector):   # the waiters' pg_locks rows: for the Locks view
                c.lock_details = views is None or "locks" in views
            if isinstance(c, OverviewCollector):   # the database sizes: not in the console's header
                c.sizes_shown = views is None or "overview" in views
            if isinstance(c, CacheCollector):   # the names and sizes: what the Cache pane shows
                c.book.relations_every_s = RELATIONS_EVERY_S if views is None or "cache" in views \
                    else RELATIONS_HIDDEN_S
        now = time.monotonic()
        return frozenset(c.name for c in self.collectors
                         if c.unavailable is None and c.name in (views or VIEWS)
                         and c.hidden_interval_s > c.min_interval_s   # held back while hidden
                         and now - self._collected_at.get(c.name, now) > c.min_interval_s)

    def _interval(self, c: Collector) -> float:
        if self.shown_views is None or c.name in self.shown_views:
            return c.min_interval_s
        return max(c.min_interval_s, c.hidden_interval_s)

    @property
    def connected(self) -> bool:
        return self.conn is not None and not self.conn.is_closed()

    async def open(self) -> Capabilities:
        self.conn = await db.connect(self.params, self.limits)
        try:
            self.caps = await probe(self.conn)
        except asyncpg.PostgresError as exc:
            await self.close()
            raise PgConsoleError(describe(exc, self.params.describe())) from None
        for c in self.collectors:
            c.reset()
            c.unavailable = c.precheck(self.caps)
        self.tick = 0
        self._collected_at.clear()
        self._collected_wall.clear()
        self._failed_at.clear()
        return self.caps

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2)
            except Exception:
                conn.terminate()

    async def poll(self, force: set[str] | frozenset[str] = frozenset()) -> Frame:
        """Collect every view that is due (or forced). Raises ConnectionLost or PgConsoleError."""
        async with self._lock:
            if not self.connected:
                await self.open()
            assert self.conn is not None and self.caps is not None
            started = time.perf_counter()
            context: dict[str, Any] = {}
            errors: list[str] = []
            now = time.monotonic()
            for c in self.collectors:
                if c.unavailable is not None:
                    self.views[c.name] = c.unavailable
                    continue
                if not (c.name in force or self._due(c, now)):
                    continue
                t0 = time.perf_counter()
                try:
                    self.views[c.name] = await c.collect(self.conn, self.caps, context)
                    c.cadence.record(time.perf_counter() - t0)
                    self._collected_at[c.name] = now
                    self._collected_wall[c.name] = datetime.now(timezone.utc)
                    self._failed_at.pop(c.name, None)
                except Exception as exc:  # noqa: BLE001 - sorted into lost / permanent / transient
                    if self.conn.is_closed() or isinstance(exc, (asyncpg.ConnectionDoesNotExistError,
                                                                 asyncpg.AdminShutdownError,
                                                                 ConnectionError)):
                        await self.close()
                        raise ConnectionLost(f"connection lost: {describe(exc)}") from None
                    self._failed_at[c.name] = now
                    self._handle_failure(c, exc, errors, time.perf_counter() - t0)
            self.tick += 1
            self.seq += 1
            return self.frame(poll_ms=(time.perf_counter() - started) * 1000, errors=tuple(errors))

    def _due(self, c: Collector, now: float) -> bool:
        last = self._failed_at.get(c.name, self._collected_at.get(c.name))
        if last is None:
            return True
        return self.tick % c.every == 0 and now - last >= c.cadence.interval(self._interval(c))

    def _handle_failure(self, c: Collector, exc: BaseException, errors: list[str], cost_s: float) -> None:
        assert self.caps is not None
        if isinstance(exc, (asyncpg.QueryCanceledError, asyncpg.LockNotAvailableError)):
            # transient: keep the last value (shown as stale) and ask again later, less often
            c.cadence.record_timeout(cost_s)
            wait = c.cadence.interval(self._interval(c))
            if isinstance(exc, asyncpg.LockNotAvailableError):
                what = f"waited longer than lock_timeout ({self.limits.lock_timeout_ms} ms) for a lock"
                hint = "a DDL statement or a long transaction holds a lock on a table this view reads"
            else:
                what = f"took longer than statement_timeout ({self.limits.statement_timeout_ms} ms)"
                hint = "the server or its catalog is slow to answer; --statement-timeout raises the limit"
            if self.views.get(c.name) is None or isinstance(self.views.get(c.name), Unavailable):
                self.views[c.name] = Unavailable(c.name, f"{what}; asked again in {wait:.0f} s", hint)
            errors.append(f"{c.name}: {what}; asked again in {wait:.0f} s")
            return
        u = c.classify(exc, self.caps) if isinstance(exc, asyncpg.PostgresError) else None
        if u is not None:
            c.unavailable = u
            self.views[c.name] = u
            return
        errors.append(f"{c.name}: {describe(exc)}")

    def stale(self) -> dict[str, Stale]:
        """Views shown from a read older than their normal interval, and when they are next due."""
        out: dict[str, Stale] = {}
        now = time.monotonic()
        for c in self.collectors:
            base = self._interval(c)
            at, wall = self._collected_at.get(c.name), self._collected_wall.get(c.name)
            if c.unavailable is not None or at is None or wall is None or not c.cadence.slowed(base):
                continue
            if now - at <= max(base, 1.0) and not c.cadence.timeouts:
                continue   # younger than the view's own interval: not stale yet
            last = self._failed_at.get(c.name, at)
            out[c.name] = Stale(wall, c.cadence.reason(), last + c.cadence.interval(base) - now)
        for c in self.collectors:
            extra = getattr(c, "stale_parts", None)
            if extra is not None:
                out.update(extra())
        return out

    def frame(self, poll_ms: float = 0.0, errors: tuple[str, ...] = ()) -> Frame:
        v = self.views
        return Frame(seq=self.seq, sampled_at=datetime.now(timezone.utc), overview=v["overview"],
                     connections=v["connections"], locks=v["locks"], cache=v["cache"],
                     statements=v["statements"], bloat=v["bloat"], **{n: v[n] for n in REPLICATION_VIEWS},
                     own_pid=self.caps.own_pid if self.caps else None, poll_ms=poll_ms, errors=errors,
                     stale=self.stale())

    async def run(self, fn: Callable[[asyncpg.Connection, Capabilities], Awaitable[T]]) -> T:
        """Run an on-demand read (locks held, pgstattuple, EXPLAIN) between polls."""
        async with self._lock:
            if not self.connected:
                await self.open()
            assert self.conn is not None and self.caps is not None
            try:
                return await fn(self.conn, self.caps)
            except asyncpg.PostgresError as exc:
                raise PgConsoleError(describe(exc)) from None
