"""Run the catalog queries once, each on its own: one refusal never stops the others.

`CatalogReader` is the periodic form (the Findings pane, `record`): it measures what a
whole read cost and spaces the reads out (collectors/cadence.py), so 10,000 tables do
not cost a core; a query that times out keeps its previous rows (older, not wrong).
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timezone
from typing import Any, Callable

import asyncpg

from ..capabilities import Capabilities
from ..collectors.base import GRANT_HINT
from ..collectors.cadence import Cadence
from ..errors import describe, scrub
from ..snapshots import Stale, Unavailable
from .catalog_rows import QUERIES, Catalog
from .index_checks import index_rows_judged
from .model import Thresholds
from .table_checks import table_rows_judged

# asked only of a superuser: pg_stat_file is not granted to anyone else by default
SUPERUSER_ONLY = frozenset({"database_created"})
CATALOG_EVERY_S = 60.0     # the catalog checks' figures move slowly: once a minute at most...
CATALOG_HIDDEN_S = 300.0   # ...every 5 minutes while only the Findings pane's badge needs them (a read
                           # is ~10 statements: at 200 sessions and a 2 s refresh, once a minute was a
                           # third of the console's server cost)...
CATALOG_SHARE = 0.004      # ...and at most 0.4% of a core (4 s at 10,000 tables: every 17 min)


def _unavailable(name: str, exc: BaseException, caps: Capabilities) -> Unavailable:
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return Unavailable(name, f"permission denied ({scrub(str(exc))})",
                           GRANT_HINT.format(user=caps.current_user))
    if isinstance(exc, asyncpg.QueryCanceledError):
        return Unavailable(name, "timed out (statement_timeout)", "raise --statement-timeout")
    if isinstance(exc, asyncpg.LockNotAvailableError):
        return Unavailable(name, "timed out waiting for a lock (lock_timeout)",
                           "a DDL statement or a long transaction holds a lock; it is asked again later")
    return Unavailable(name, describe(exc), "")


BATCH = 2000   # rows a round trip: 30,000 asyncpg Records at once would outweigh the rows built


class _Shared:
    """One object for each repeated short value (schema and table names, methods, sizes,
    reltuples): 20,000 index rows hold the same few strings and numbers thousands of times
    over, and table_usage names the tables index_usage named. Shared by column name across
    the queries of one run. A column whose values a batch mostly saw for the first time
    (oids, index names) stops being looked up: its table would only cost memory."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[object, object]] = {}
        self.off: set[str] = set()

    def rows(self, records: list[asyncpg.Record], cls: type, names: frozenset[str],
             keep: Callable[[Any], bool] | None = None) -> list[object]:
        out = []
        cols = [k for k in records[0].keys() if k in names] if records else []
        tables = {k: self.seen.setdefault(k, {}) for k in cols if k not in self.off}
        sizes = {k: len(t) for k, t in tables.items()}
        for r in records:
            values = {}
            for k in cols:
                v = r[k]
                t = type(v)
                table = tables.get(k)
                # keyed by type: 1 == 1.0 == True, and each must stay what it was
                if table is not None and (t is int or t is float or (t is str and len(v) <= 64)):
                    v = table.setdefault((t, v), v)
                values[k] = v
            row = cls(**values)
            if keep is None or keep(row):
                out.append(row)
        for k, table in tables.items():
            if len(table) - sizes[k] > len(records) // 2:
                self.off.add(k)
                table.clear()
        return out


async def _fetch_rows(conn: asyncpg.Connection, sql: str, cls: type, shared: _Shared,
                      keep: Callable[[Any], bool] | None = None) -> tuple[object, ...]:
    """The rows as `cls`, BATCH at a time: each batch's Records are freed before the next
    arrives (a cursor needs a transaction: one of its own, so a refusal aborts only it)."""
    names = frozenset(f.name for f in dataclasses.fields(cls))
    out: list[object] = []
    async with conn.transaction(readonly=True):
        cur = await conn.cursor(sql)
        while True:
            batch = await cur.fetch(BATCH)
            out += shared.rows(batch, cls, names, keep)
            if len(batch) < BATCH:
                break
            del batch
    return tuple(out)


def judged_by(th: Thresholds) -> dict[str, Callable[[Any], bool]]:
    """The rows of each big query that checks of these thresholds may find something in."""
    return {"index_usage": index_rows_judged(th), "table_usage": table_rows_judged(th)}


async def gather_catalog(conn: asyncpg.Connection, caps: Capabilities,
                         names: tuple[str, ...] | None = None, previous: Catalog | None = None,
                         judged: Thresholds | None = None) -> Catalog:
    """Rows for every catalog query (or those in `names`); Unavailable where refused. With
    `previous`: a query that times out keeps its previous rows (a transient failure).
    With `judged`: of index_usage and table_usage, only the rows the checks of these
    thresholds may find something in (the console: the same findings, a fraction of the
    rows; not for a report nor a recording, which show them all)."""
    keep = judged_by(judged) if judged is not None else {}
    results: dict[str, tuple[Any, ...] | Unavailable] = {}
    shared = _Shared()
    for name, cls in QUERIES.items():
        if names is not None and name not in names:
            continue
        if name in SUPERUSER_ONLY and not caps.is_superuser:
            continue
        try:
            results[name] = await _fetch_rows(conn, caps.sql(name), cls, shared, keep.get(name))
        except asyncpg.PostgresError as exc:
            kept = previous.get(name) if previous is not None else None
            transient = isinstance(exc, (asyncpg.QueryCanceledError, asyncpg.LockNotAvailableError))
            results[name] = kept if transient and isinstance(kept, tuple) else _unavailable(name, exc, caps)
    return Catalog(sampled_at=datetime.now(timezone.utc), results=results, judged=judged)


class CatalogReader:
    """The catalog read again and again, each read waiting in proportion to the last one's cost."""

    def __init__(self, every_s: float = CATALOG_EVERY_S, share: float = CATALOG_SHARE,
                 hidden_every_s: float = CATALOG_HIDDEN_S) -> None:
        self.every_s = every_s
        self.hidden_every_s = max(every_s, hidden_every_s)
        self.cadence = Cadence(share)
        self.catalog: Catalog | None = None
        self.read_at: float | None = None      # monotonic time of the last read

    def due(self, now: float | None = None, shown: bool = True) -> bool:
        """shown: whether the findings are on screen (else only their count is: hidden_every_s)."""
        now = time.monotonic() if now is None else now
        every = self.every_s if shown else self.hidden_every_s
        return self.read_at is None or now - self.read_at >= self.cadence.interval(every)

    def stale(self, now: float | None = None) -> Stale | None:
        """Set when the reads were spaced out past `every_s` and the catalog is older than that."""
        now = time.monotonic() if now is None else now
        if self.catalog is None or self.read_at is None or not self.cadence.slowed(self.every_s):
            return None
        if now - self.read_at <= self.every_s:
            return None
        return Stale(self.catalog.sampled_at, self.cadence.reason(),
                     self.read_at + self.cadence.interval(self.every_s) - now)

    def record(self, cost_s: float, catalog: Catalog | None) -> None:
        """A read done elsewhere (the console's data source): what it cost and what it gave."""
        self.cadence.record(cost_s)
        self.read_at = time.monotonic()
        self.catalog = catalog

    async def read(self, conn: asyncpg.Connection, caps: Capabilities) -> Catalog:
        t0 = time.perf_counter()
        catalog = self.catalog
        try:
            catalog = await gather_catalog(conn, caps, previous=self.catalog)
        finally:
            self.record(time.perf_counter() - t0, catalog)
        return catalog
