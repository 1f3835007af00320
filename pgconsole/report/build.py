"""Measure a database and assemble the health report (one monitoring connection).

Two samples `interval` seconds apart give the rates; the catalog queries run once
after the second; the findings are evaluated over all of it. Nothing here writes.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

import asyncpg

from .. import db
from ..capabilities import Capabilities
from ..conninfo import ConnParams
from ..errors import PgConsoleError, describe
from ..findings import evaluate
from ..findings.catalog_rows import Setting
from ..findings.gather import gather_catalog
from ..findings.model import Thresholds
from ..monitor import VIEWS, Monitor
from ..snapshots import Overview, Unavailable, from_records
from . import sections_activity as act
from . import sections_replication as rep
from . import sections_storage as sto
from .data import ReportData
from .model import Report


async def _pgss_reset(conn: asyncpg.Connection, caps: Capabilities) -> datetime | None:
    if not caps.pgss_schema:
        return None
    try:
        row = await conn.fetchrow(caps.sql("statements_info"))
    except (asyncpg.PostgresError, PgConsoleError):  # before 1.9 there is no pg_stat_statements_info
        return None
    epoch = row["stats_reset_epoch"] if row else None
    return datetime.fromtimestamp(epoch, timezone.utc) if epoch is not None else None


async def configured_settings(params: ConnParams, limits: db.SessionLimits, caps: Capabilities) -> tuple[Setting, ...] | Unavailable:
    """The report's settings as the server gives them to any session of this role and
    database: read on a session of their own that sets nothing but its name and its own
    search_path (the monitoring session's statement_timeout and the like are pgconsole's,
    not the server's; the role's search_path is read as its sessions start with it)."""
    try:
        conn = await db.connect(params, limits, own_settings=False)
    except PgConsoleError as exc:
        return Unavailable("report_settings", f"could not open a plain session to read them ({exc})", "")
    try:
        rows = await asyncio.wait_for(conn.fetch(caps.sql("report_settings")), limits.statement_timeout_ms / 1000)
        return from_records(Setting, rows)
    except (asyncpg.PostgresError, asyncio.TimeoutError) as exc:
        return Unavailable("report_settings", describe(exc), "")
    finally:
        await conn.close()


async def measure(params: ConnParams, limits: db.SessionLimits, interval: float,
                  thresholds: Thresholds, own_statements: bool = False) -> ReportData:
    mon = Monitor(params, limits)
    try:
        caps = await mon.open()
        first = await mon.poll(force=frozenset(VIEWS))
        await asyncio.sleep(interval)
        frame = await mon.poll(force=frozenset(VIEWS))
        catalog = await mon.run(gather_catalog)
        pgss_reset = await mon.run(_pgss_reset)
        settings = await configured_settings(params, limits, caps)
    finally:
        await mon.close()
    result = evaluate(frame, catalog, caps, thresholds, own_statements=own_statements, earlier=first)
    return ReportData(target=params.describe(), caps=caps, first=first, frame=frame, catalog=catalog,
                      findings=result, interval_s=interval, pgss_reset=pgss_reset, settings=settings,
                      session_settings={**db.session_settings(limits), "search_path": db.OWN_SEARCH_PATH},
                      own_statements=own_statements)


def assemble(d: ReportData, duration_s: float = 0.0) -> Report:
    sections = (act.server(d), act.connections(d), act.pools(d), act.locks(d), act.cache(d), act.statements(d),
                sto.indexes(d), sto.bloat(d), rep.horizon(d), sto.sequences(d), sto.capacity(d),
                rep.replication(d), sto.findings(d))
    ov = d.frame.overview
    server = {"target": d.target, "version": d.caps.version, "version_num": d.caps.version_num,
              "database": d.caps.current_database, "user": d.caps.current_user,
              "is_standby": d.caps.is_standby, "interval_s": d.interval_s,
              "sampled_at": [d.first.sampled_at.isoformat(), d.frame.sampled_at.isoformat()]}
    if isinstance(ov, Overview):
        server.update(started_at=ov.row.started_at.isoformat(), uptime_s=ov.uptime_s)
    return Report(generated_at=datetime.now(timezone.utc), server=server, sections=sections,
                  findings=d.findings, duration_s=duration_s)


async def build(params: ConnParams, limits: db.SessionLimits = db.SessionLimits(), interval: float = 1.0,
                thresholds: Thresholds = Thresholds(), own_statements: bool = False) -> Report:
    started = time.perf_counter()
    data = await measure(params, limits, interval, thresholds, own_statements)
    return assemble(data, time.perf_counter() - started)
