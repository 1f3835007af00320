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
from ..conninfo import ConnParams
from ..errors import PgConsoleError
from ..findings import evaluate
from ..findings.gather import gather_catalog
from ..findings.model import Thresholds
from ..monitor import VIEWS, Monitor
from ..snapshots import Overview
from . import sections_activity as act
from . import sections_replication as rep
from . import sections_storage as sto
from .data import ReportData
from .model import Report


async def _pgss_reset(conn, caps) -> datetime | None:
    if not caps.pgss_schema:
        return None
    try:
        row = await conn.fetchrow(caps.sql("statements_info"))
    except (asyncpg.PostgresError, PgConsoleError):  # before 1.9 there is no pg_stat_statements_info
        return None
    epoch = row["stats_reset_epoch"] if row else None
    return datetime.fromtimestamp(epoch, timezone.utc) if epoch is not None else None


async def measure(params: ConnParams, limits: db.SessionLimits, interval: float,
                  thresholds: Thresholds) -> ReportData:
    mon = Monitor(params, limits)
    try:
        caps = await mon.open()
        first = await mon.poll(force=frozenset(VIEWS))
        await asyncio.sleep(interval)
        frame = await mon.poll(force=frozenset(VIEWS))
        catalog = await mon.run(gather_catalog)
        pgss_reset = await mon.run(_pgss_reset)
    finally:
        await mon.close()
    result = evaluate(frame, catalog, caps, thresholds)
    return ReportData(target=params.describe(), caps=caps, first=first, frame=frame, catalog=catalog,
                      findings=result, interval_s=interval, pgss_reset=pgss_reset)


def assemble(d: ReportData, duration_s: float = 0.0) -> Report:
    sections = (act.server(d), act.connections(d), act.locks(d), act.cache(d), act.statements(d),
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
                thresholds: Thresholds = Thresholds()) -> Report:
    started = time.perf_counter()
    data = await measure(params, limits, interval, thresholds)
    return assemble(data, time.perf_counter() - started)
