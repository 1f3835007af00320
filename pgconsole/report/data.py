"""Everything one report run measured, handed to the section builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..capabilities import Capabilities
from ..findings.catalog_rows import Catalog, Setting
from ..findings.model import FindingsResult
from ..snapshots import Frame, Unavailable


@dataclass(frozen=True)
class ReportData:
    target: str                      # user@host:port/db, never a password
    caps: Capabilities
    first: Frame                     # the first sample (rates are between the two)
    frame: Frame                     # the second sample
    catalog: Catalog
    findings: FindingsResult
    interval_s: float
    pgss_reset: datetime | None      # when pg_stat_statements was last reset (1.9+)
    # the server's settings as a plain session of this role and database gets them (or why not)
    settings: tuple[Setting, ...] | Unavailable = ()
    session_settings: dict[str, str] = field(default_factory=dict)   # pgconsole's own overrides
    own_statements: bool = False     # pgconsole's own statements kept in the tables and findings

    def rows(self, query: str) -> tuple[Any, ...]:
        r = self.catalog.get(query)
        return r if isinstance(r, tuple) else ()

    def refused(self, *queries: str) -> list[str]:
        out = []
        for q in queries:
            r = self.catalog.get(q)
            if isinstance(r, Unavailable):
                out.append(f"{q}: {r.line()}")
        return out

    def stats_since(self) -> tuple[datetime | None, str]:
        """When the cumulative statistics of this database start, and what that moment was."""
        ctx = self.catalog.context()
        if ctx is None:
            return None, "unknown"
        if ctx.stats_reset is not None and ctx.stats_reset > ctx.started_at:
            return ctx.stats_reset, "statistics reset"
        return ctx.started_at, "server start (statistics never reset; they may be older)"


def when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if ts else "unknown"
