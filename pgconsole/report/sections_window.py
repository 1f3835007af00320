"""The report over a window of a recording (`pgconsole report --from`): what happened, and when.

Sections: the recording, lock episodes, the statements that took the time, connection
peaks by application, and the findings that appeared. Same model as the live report,
so the md, json and html forms render it unchanged.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone

from ..findings.model import SEVERITIES, Thresholds
from ..history.reader import Recording
from ..history.window import WindowData, analyse
from .data import when
from .model import Fact, Report, Section, col, table

TOP = 15


def _span(d: WindowData) -> str:
    return f"{when(d.first_at)} to {when(d.last_at)}"


def recording(d: WindowData, rec: Recording) -> Section:
    facts = [Fact("source", "recording", rec.where), Fact("server", "server", rec.server.name),
             Fact("target", "recorded as", rec.server.target),
             Fact("window_from", "window from", d.t1, "ts"), Fact("window_to", "window to", d.t2, "ts"),
             Fact("moments", "frames in the window", d.moments, "int"),
             Fact("refresh_s", "refresh (median interval between frames)", d.refresh_s, "s"),
             Fact("recording_from", "recording holds from", rec.first, "ts"),
             Fact("recording_to", "recording holds to", rec.last, "ts")]
    tables = (table("gaps", "Gaps (no frame for more than three refreshes: recorder stopped or server "
                    "unreachable)", [col("from", kind="ts"), col("to", kind="ts"), col("seconds", kind="s")],
                    [(a, b, (b - a).total_seconds()) for a, b in d.gaps]),)
    return Section("recording", "Recording", d.last_at, "the frames pgconsole record wrote, one per refresh, "
                   f"from {_span(d)}", tuple(facts), tables)


def locks(d: WindowData) -> Section:
    eps = d.episodes
    rows, waiter_rows = [], []
    for i, e in enumerate(eps, 1):
        r = e.root
        rows.append((i, e.started, e.duration_s, e.ended_by, "prepared transaction" if e.root_pid == 0 else e.root_pid,
                     r.get("usename"), r.get("application_name"), r.get("state"), len(e.waiters), e.peak_waiting,
                     ", ".join(str(p) for p in sorted(e.waiters)), r.get("query")))
        for w in sorted(e.waiters.values(), key=lambda w: -w.max_wait_s):
            waiter_rows.append((i, w.pid, w.usename, w.application_name, w.mode, w.relation, w.max_wait_s, w.query))
    facts = [Fact("episodes", "lock episodes", len(eps), "int"),
             Fact("longest_s", "longest", max((e.duration_s for e in eps), default=None), "s"),
             Fact("most_waiting", "most sessions waiting at once", max((e.peak_waiting for e in eps), default=0),
                  "int")]
    tables = (
        table("episodes", "Lock episodes: a root blocker and the sessions waiting behind it",
              [col("episode", kind="int"), col("started", kind="ts"), col("duration_s", "duration", "s"),
               col("ended_by", "gone at", "ts"), col("root_pid", "root blocker"), col("user"), col("application"),
               col("root_state", "its state"), col("waiters", kind="int"), col("peak_waiting", "most at once", "int"),
               col("waiter_pids", "waiter pids"), col("root_query", "its last statement", "code")], rows,
              note="started: when the first waiter began waiting (the server's lock wait start); duration runs "
                   "to the last frame the wait was seen, so it is short by less than one refresh; "
                   "gone at: the first frame without it"),
        table("waiters", "Waiters, per episode",
              [col("episode", kind="int"), col("pid", kind="int"), col("user"), col("application"), col("mode"),
               col("relation"), col("max_wait_s", "waited", "s"), col("query", kind="code")], waiter_rows, 100),
    )
    return Section("locks", "Lock episodes", d.last_at,
                   f"the blocking tree of every frame from {_span(d)} (pg_blocking_pids() for each waiting "
                   "session); a wait shorter than one refresh may not be seen", tuple(facts), tables,
                   checks=("blocking_lock",))


def statements(d: WindowData) -> Section:
    total = sum(s.total_ms for s in d.statements) or None
    rows = [(s.query, s.datname, s.usename, s.calls, s.total_ms, s.mean_ms, (s.total_ms / total) if total else None,
             s.rows, s.io_ms, s.temp_blks) for s in d.statements]
    facts = [Fact("statements", "statements that ran", len(d.statements), "int"),
             Fact("total_ms", "execution time in all", total, "ms"),
             Fact("calls", "calls in all", sum(s.calls for s in d.statements), "int")]
    method = ("pg_stat_statements' counters as recorded; the differences between each sample and the one "
              "before, summed" + (f" from {when(d.statements_from)} to {when(d.statements_to)}"
                                  if d.statements_to else ": fewer than two samples in the window"))
    return Section("statements", "Statements that took the most time", d.statements_to, method, tuple(facts),
                   (table("top", "By execution time in the window",
                          [col("query", kind="code"), col("database"), col("user"), col("calls", kind="int"),
                           col("total_ms", "time", "ms"), col("mean_ms", "mean", "ms"),
                           col("share", "share", "ratio"), col("rows", kind="int"), col("io_ms", "I/O time", "ms"),
                           col("temp_blks", "temp blocks", "int")], rows, TOP),),
                   unavailable=(d.statements_note,) if d.statements_note and not d.statements else (),
                   checks=("slow_query", "n_plus_one"))


def connections(d: WindowData) -> Section:
    n, at = d.total_peak
    facts = [Fact("peak", "most client sessions at once", n, "int"), Fact("peak_at", "at", at, "ts")]
    rows = [(p.application or "(none)", p.peak, p.at, p.active_at_peak, p.mean) for p in d.peaks]
    return Section("connections", "Connection peaks by application", d.last_at,
                   f"client sessions in pg_stat_activity, every frame from {_span(d)}", tuple(facts),
                   (table("peaks", "Applications, by their peak",
                          [col("application"), col("peak", kind="int"), col("at", kind="ts"),
                           col("active_at_peak", "active then", "int"), col("mean", "mean", "num")], rows, 30),),
                   checks=("connection_saturation", "idle_in_transaction", "long_running_query"))


def findings(d: WindowData) -> Section:
    spans = d.findings
    facts = [Fact(f"{s}_count", f"{s} findings", sum(1 for x in spans if x.finding.severity == s), "int")
             for s in reversed(SEVERITIES)]
    facts.append(Fact("appeared", "appeared during the window", sum(1 for x in spans if not x.present_at_start), "int"))
    rows = [(x.finding.severity, x.finding.check, x.finding.object, x.first_seen, x.last_seen, x.cleared,
             x.present_at_start, x.finding.message) for x in spans]
    tables = [table("timeline", "Findings, and when",
                    [col("severity"), col("check"), col("object"), col("first_seen", "first seen", "ts"),
                     col("last_seen", "last seen", "ts"), col("cleared", "cleared", "ts"),
                     col("present_at_start", "already at the start", "bool"), col("message")], rows, 100)]
    r = d.result
    if r is not None:
        tables.append(table("checks", "Checks (their last evaluation in the window)",
                            [col("check"), col("reads"), col("ran", kind="bool"), col("note")],
                            [(s.check, s.source, s.ran, (s.reason or "") + (f" — {s.hint}" if s.hint else "") or None)
                             for s in r.checks]))
        tables.append(table("thresholds", "Thresholds used", [col("name"), col("value", kind="num"), col("unit"),
                                                              col("meaning")],
                            [tuple(t) for t in r.thresholds.describe()], note="change any with --threshold NAME=VALUE"))
    return Section("findings", "Findings", d.last_at,
                   "every check evaluated on each frame where what it reads was collected again (the catalog "
                   "checks on each recorded catalog run); a finding's detail below is its worst moment",
                   tuple(facts), tuple(tables))


async def build_window(source: str, server: str | None, between: list[str] | None,
                       thresholds: Thresholds = Thresholds()) -> Report:
    from ..history.times import window
    started = time.perf_counter()
    rec = await Recording.open(source, server)
    try:
        t1, t2 = window(between, rec.first, rec.last)
        d = await analyse(rec, t1, t2, thresholds)
        if not d.moments:
            from ..errors import PgConsoleError
            raise PgConsoleError(f"no frame recorded between {when(t1)} and {when(t2)} "
                                 f"(the recording holds {when(rec.first)} to {when(rec.last)})")
        sections = (recording(d, rec), locks(d), statements(d), connections(d), findings(d))
    finally:
        await rec.close()
    caps = d.caps
    srv = {"title": f"PostgreSQL activity report: {rec.server.name}, {when(d.first_at)} to {when(d.last_at)}",
           "target": rec.server.target, "server": rec.server.name, "source": rec.where,
           "version": caps.version if caps else "unknown", "version_num": caps.version_num if caps else None,
           "database": caps.current_database if caps else rec.server.name.rsplit("/", 1)[-1],
           "user": caps.current_user if caps else None, "is_standby": caps.is_standby if caps else None,
           "window": [d.t1.isoformat(), d.t2.isoformat()], "frames": d.moments, "refresh_s": d.refresh_s}
    from ..findings.model import FindingsResult
    result = d.result or FindingsResult((), (), thresholds, d.last_at or datetime.now(timezone.utc))
    return Report(generated_at=datetime.now(timezone.utc), server=srv, sections=sections, findings=result,
                  duration_s=time.perf_counter() - started)
