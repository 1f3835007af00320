"""Slow queries from pg_stat_statements: cumulative and last-interval figures.

Counters come from pg_stat_statements(false), which skips the query-text file;
texts are fetched only for statements that reach a top list, and cached.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Mapping

import asyncpg

from .. import derive
from ..capabilities import Capabilities
from ..errors import scrub_sql
from ..snapshots import StatementKey, StatementRow, Statements, Unavailable, from_records
from .base import Collector, Context

TEXT_TOP_N = 60
TEXT_CACHE_MAX = 20000
TEXT_BATCH = 5000  # new texts fetched per poll at most (pg_stat_statements.max defaults to 5000)

PRELOAD_HINT = ("add pg_stat_statements to shared_preload_libraries in postgresql.conf "
                "(ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'), restart the server")


def share_values(rows: list[StatementRow], prev: Mapping[StatementKey, StatementRow] | None) -> None:
    """Equal numbers and names of the rows read anew become one object each (asyncpg makes
    one a column a row): 5,000 statements each hold their role and database names, ids, and
    several times 0.0 (or total = mean = max after one call), 1.4 MB in all. The rows kept
    from the previous read (equal to it: from_records' reuse) are left as they are."""
    memo: dict[type, dict[Any, Any]] = {int: {}, float: {}, str: {}}
    for r in rows:
        if prev is not None and prev.get(r.key) is r:
            continue
        d = r.__dict__   # a frozen dataclass filled through its __dict__ (snapshots.from_records)
        for name, v in list(d.items()):
            m = memo.get(type(v))
            if m is not None:
                d[name] = m.setdefault(v, v)


class StatementsCollector(Collector):
    name = "statements"
    every = 3
    min_interval_s = 5.0
    # off screen (the detail panel's figures, the findings): once a minute, like the other hidden
    # reads; every 15 s was an eighth of the console's server time at 200 sessions (a read is
    # ~1.2 ms of backend CPU with a few hundred entries); showing the pane reads it at once
    hidden_interval_s = 60.0

    def __init__(self) -> None:
        super().__init__()
        self.prev: dict[StatementKey, StatementRow] | None = None
        self.prev_t: float | None = None
        self.prev_reset: float | None = None
        self.texts: dict[int, str] = {}

    def reset(self) -> None:
        self.prev = self.prev_t = self.prev_reset = None

    def precheck(self, caps: Capabilities) -> Unavailable | None:
        db = caps.current_database
        if not caps.pgss_schema:
            if caps.pgss_preloaded is False:
                return Unavailable(self.name, f"pg_stat_statements is not loaded nor installed in {db}",
                                   f"{PRELOAD_HINT}; then in {db}: CREATE EXTENSION pg_stat_statements;")
            return Unavailable(self.name, f"pg_stat_statements is not installed in database {db}",
                               f"in {db}: CREATE EXTENSION pg_stat_statements;")
        if caps.pgss_preloaded is False:
            return Unavailable(self.name, "pg_stat_statements is installed but not loaded", PRELOAD_HINT)
        return None

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> Statements:
        rows = list(from_records(StatementRow, await conn.fetch(caps.sql("statements")), reuse=self.prev))
        share_values(rows, self.prev)
        now = time.monotonic()
        reset_epoch = await self._reset_epoch(conn, caps)
        reset = self.prev is not None and reset_epoch != self.prev_reset
        limited = None
        if not caps.sees_all_sessions:
            limited = (f"other roles' statements are hidden (no queryid, no text: shown folded, one row per "
                       f"role and database, without interval figures): GRANT pg_read_all_stats TO {caps.current_user};")
        snap = derive.statements(rows, self.prev, self.texts,
                                 (now - self.prev_t) if self.prev_t else None,
                                 caps.pgss_schema or "", caps.pgss_version or "", reset=reset, limited=limited)
        if reset_epoch is not None:
            snap = replace(snap, reset_at=datetime.fromtimestamp(reset_epoch, timezone.utc))
        if await self._fill_texts(conn, caps, snap):
            snap = derive.with_texts(snap, self.texts)
        self.prev = {r.key: r for r in rows if r.queryid is not None}  # a hidden entry has no key
        self.prev_t, self.prev_reset = now, reset_epoch
        return snap

    async def _reset_epoch(self, conn: asyncpg.Connection, caps: Capabilities) -> float | None:
        try:
            sql = caps.sql("statements_info")
        except Exception:
            return None  # before 1.9 there is no pg_stat_statements_info
        row = await conn.fetchrow(sql)
        return row["stats_reset_epoch"] if row else None

    async def _fill_texts(self, conn: asyncpg.Connection, caps: Capabilities, snap: Statements) -> bool:
        """Texts for every statement not seen before, the top ones first.

        Texts are cached by queryid, so in steady state only new statements cost a
        read of the extension's text file; a burst of new ones is spread over polls.
        """
        if all(s.row.queryid is None or s.row.queryid in self.texts for s in snap.statements):
            return False   # the steady state: every text already read (skip a dozen sorts)
        wanted: dict[int, None] = {}
        for by in derive.TOP_BY:
            for interval in (False, True):
                for s in derive.top_statements(snap, by, interval, TEXT_TOP_N):
                    if s.row.queryid is not None and s.row.queryid not in self.texts:
                        wanted[s.row.queryid] = None
        for s in snap.statements:
            if len(wanted) >= TEXT_BATCH:
                break
            if s.row.queryid is not None and s.row.queryid not in self.texts:
                wanted[s.row.queryid] = None
        if not wanted:
            return False
        if len(self.texts) > TEXT_CACHE_MAX:
            self.texts.clear()
        for r in await conn.fetch(caps.sql("statement_texts"), list(wanted)):
            self.texts[r["queryid"]] = scrub_sql(r["query"])
        for q in wanted:  # no text stored for it (hidden from this role, or evicted): do not ask again
            self.texts.setdefault(q, "")
        return True
