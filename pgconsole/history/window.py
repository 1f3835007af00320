"""What happened over a window of a recording: lock episodes, the statements that took the
time, connection peaks by application, the findings that appeared and when.

One pass over the moments; each tracker looks only at the views the monitor collected
again (a view kept from an earlier poll is the same object, skipped by identity).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..capabilities import Capabilities
from ..findings.engine import CHECKS, evaluate
from ..findings.model import CheckStatus, Finding, FindingsResult, Thresholds
from ..snapshots import Locks, Statements
from .reader import Recording
from .stream import CATALOG, CAPS, Moment

VIEWS = ("overview", "connections", "locks", "cache", "statements", "bloat")
SOURCES = {**{v: v for v in VIEWS}, CAPS: "capabilities", CATALOG: "catalog"}   # slot -> what checks read
# the checks rerun every 5 s of the window, each only if what it reads was sampled again
# since (the statements' checks judge cumulative figures: at most every 30 s), and at once
# when the catalog or the capabilities were read again
FINDINGS_EVERY_S = 5.0
STATEMENTS_EVERY_S = 30.0
AT_ONCE = frozenset({"catalog", "capabilities"})


@dataclass
class Waiter:
    pid: int
    usename: str | None
    application_name: str | None
    mode: str | None
    relation: str | None
    max_wait_s: float
    query: str | None


@dataclass
class LockEpisode:
    root_pid: int                       # 0: a prepared transaction
    started: datetime                   # when its first waiter began to wait (the server's clock)
    first_seen: datetime
    last_seen: datetime
    ended_by: datetime | None = None    # the first moment it was gone; None: still there at the end
    root: dict[str, Any] = field(default_factory=dict)   # usename, application_name, state, query, xact_age_s
    waiters: dict[int, Waiter] = field(default_factory=dict)
    peak_waiting: int = 0

    @property
    def duration_s(self) -> float:
        """From the first wait to the last moment it was seen (it ended before `ended_by`)."""
        return (self.last_seen - self.started).total_seconds()


@dataclass
class StatementTotal:
    key: tuple[Any, ...]
    query: str | None
    datname: str | None
    usename: str | None
    calls: int = 0
    total_ms: float = 0.0
    rows: int = 0
    io_ms: float = 0.0
    temp_blks: int = 0

    @property
    def mean_ms(self) -> float | None:
        return self.total_ms / self.calls if self.calls else None


@dataclass
class AppPeak:
    application: str
    peak: int
    at: datetime
    active_at_peak: int
    samples: int = 0
    total: int = 0

    @property
    def mean(self) -> float:
        return self.total / self.samples if self.samples else 0.0


@dataclass
class FindingSpan:
    finding: Finding                    # its worst instance
    first_seen: datetime
    last_seen: datetime
    cleared: datetime | None = None     # the first evaluation without it
    present_at_start: bool = False


@dataclass
class WindowData:
    t1: datetime
    t2: datetime
    moments: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    refresh_s: float | None = None
    caps: Capabilities | None = None
    last: Moment | None = None
    gaps: list[tuple[datetime, datetime]] = field(default_factory=list)
    episodes: list[LockEpisode] = field(default_factory=list)
    statements: list[StatementTotal] = field(default_factory=list)
    statements_from: datetime | None = None
    statements_to: datetime | None = None
    statements_note: str | None = None
    peaks: list[AppPeak] = field(default_factory=list)
    total_peak: tuple[int, datetime | None] = (0, None)
    findings: list[FindingSpan] = field(default_factory=list)
    result: FindingsResult | None = None


class _Locks:
    def __init__(self) -> None:
        self.open: dict[int, LockEpisode] = {}
        self.done: list[LockEpisode] = []

    def feed(self, at: datetime, lk: object) -> None:
        if not isinstance(lk, Locks):
            return
        ep: LockEpisode | None
        trees: dict[int, list[Any]] = {}
        root = None
        for n in lk.nodes:
            if n.depth == 0:
                root = n
                trees[n.pid] = [n]
            elif root is not None:
                trees[root.pid].append(n)
        for pid in [p for p in self.open if p not in trees]:
            ep = self.open.pop(pid)
            ep.ended_by = at
            self.done.append(ep)
        for pid, nodes in trees.items():
            waiting = nodes[1:]
            if not waiting:
                continue
            ep = self.open.get(pid)
            if ep is None:
                longest = max((w.wait_s or 0.0) for w in waiting)
                ep = self.open[pid] = LockEpisode(pid, at - _seconds(longest), at, at)
            ep.last_seen = at
            ep.peak_waiting = max(ep.peak_waiting, len(waiting))
            b = nodes[0].backend
            if b is not None:
                ep.root = {"usename": b.usename, "application_name": b.application_name, "state": b.state,
                           "query": b.query, "xact_age_s": b.xact_age_s}
            for w in waiting:
                wb = w.backend
                old = ep.waiters.get(w.pid)
                ep.waiters[w.pid] = Waiter(
                    w.pid, wb.usename if wb else None, wb.application_name if wb else None, w.mode, w.relation,
                    max(w.wait_s or 0.0, old.max_wait_s if old else 0.0), wb.query if wb else None)

    def finish(self) -> list[LockEpisode]:
        eps = self.done + list(self.open.values())
        return sorted(eps, key=lambda e: e.started)


class _Statements:
    def __init__(self) -> None:
        self.last: Statements | None = None
        self.totals: dict[tuple[Any, ...], StatementTotal] = {}
        self.first_at: datetime | None = None
        self.last_at: datetime | None = None
        self.note: str | None = None

    def feed(self, at: datetime, st: object) -> None:
        if st is self.last:
            return
        if not isinstance(st, Statements):
            self.note = getattr(st, "line", lambda: "not recorded")() if st is not None else "not recorded"
            return
        if self.last is None:        # the sample the window starts from
            self.last, self.first_at = st, at
            return
        self.last, self.last_at = st, at
        for s in st.statements:
            if not s.d_calls:
                continue
            r = s.row
            t = self.totals.get(r.key)
            if t is None:
                t = self.totals[r.key] = StatementTotal(r.key, s.query, r.datname, r.usename)
            t.query = s.query or t.query
            t.calls += s.d_calls
            t.total_ms += s.d_total_ms or 0.0
            t.rows += s.d_rows or 0
            t.io_ms += s.d_io_ms or 0.0
            t.temp_blks += s.d_temp_blks or 0


class _Connections:
    def __init__(self) -> None:
        self.frames = 0
        self.peaks: dict[str, AppPeak] = {}
        self.total: tuple[int, datetime | None] = (0, None)

    def feed(self, at: datetime, apps: dict[str, list[int]] | None) -> None:
        """Client sessions by application at one moment: {application: [sessions, active]}."""
        if apps is None:
            return
        self.frames += 1
        clients = sum(n for n, _ in apps.values())
        if clients > self.total[0]:
            self.total = (clients, at)
        for app, (n, active) in apps.items():
            p = self.peaks.get(app)
            if p is None:
                p = self.peaks[app] = AppPeak(app, n, at, active)
            elif n > p.peak:
                p.peak, p.at, p.active_at_peak = n, at, active
            p.total += n

    def finish(self) -> list[AppPeak]:
        for p in self.peaks.values():
            p.samples = self.frames      # the mean is over every frame, 0 where the application had none
        return sorted(self.peaks.values(), key=lambda p: (-p.peak, p.application))


class _Findings:
    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.present: dict[str, dict[str, FindingSpan]] = {}
        self.spans: list[FindingSpan] = []
        self.statuses: dict[str, CheckStatus] = {}

    def feed(self, m: Moment, sources: set[str]) -> FindingsResult | None:
        """Evaluate the checks that read the given sources (views, "capabilities", "catalog")."""
        if m.caps is None:
            return None
        checks = [c for c, (_, src) in CHECKS.items()
                  if (src.split(":")[0] if src.startswith("catalog") else src) in sources]
        if not checks:
            return None
        result = evaluate(m.frame, m.catalog, m.caps, self.thresholds, only=checks, now=m.at)
        for s in result.checks:
            self.statuses[s.check] = s
        found: dict[str, dict[str, Finding]] = {c: {} for c in checks}
        for f in result.findings:
            found[f.check][f.object] = f
        for check, objs in found.items():
            first = check not in self.present       # its first evaluation in the window
            open_ = self.present.setdefault(check, {})
            for obj in [o for o in open_ if o not in objs]:
                open_.pop(obj).cleared = m.at
            for obj, f in objs.items():
                span = open_.get(obj)
                if span is None:
                    span = open_[obj] = FindingSpan(f, m.at, m.at, present_at_start=first)
                    self.spans.append(span)
                span.last_seen = m.at
                if f.rank > span.finding.rank:
                    span.finding = f
        return result


def _seconds(s: float) -> timedelta:
    return timedelta(seconds=s)


async def analyse(rec: Recording, t1: datetime, t2: datetime,
                  thresholds: Thresholds = Thresholds()) -> WindowData:
    out = WindowData(t1, t2)
    locks, stmts, conns, finds = _Locks(), _Statements(), _Connections(), _Findings(thresholds)
    times: list[datetime] = []
    pending: set[str] = set(SOURCES.values())   # sampled since their checks last ran (all, at first)
    tick: datetime | None = None
    statements_at: datetime | None = None
    async for p in rec.positions(t1, t2):
        at = p.at
        times.append(at)
        locks.feed(at, p.value("locks"))
        if p.sampled("statements") or len(times) == 1:   # first: as of the window's start
            stmts.feed(at, p.value("statements"))
        if p.sampled("connections"):
            conns.feed(at, p.apps())
        pending |= {source for slot, source in SOURCES.items() if p.sampled(slot)}
        due = tick is None or (at - tick).total_seconds() >= FINDINGS_EVERY_S
        if not (due or pending & AT_ONCE):
            continue
        run = set(pending) if due else pending & AT_ONCE
        if "statements" in run and statements_at is not None \
                and (at - statements_at).total_seconds() < STATEMENTS_EVERY_S:
            run.discard("statements")
        m = p.moment()
        if finds.feed(m, run) is not None:
            out.caps, out.last = m.caps, m
        pending -= run
        tick = at if due else tick
        statements_at = at if "statements" in run else statements_at
    out.moments = len(times)
    if not times:
        return out
    out.first_at, out.last_at = times[0], times[-1]
    steps = [(b - a).total_seconds() for a, b in zip(times, times[1:])]
    out.refresh_s = statistics.median(steps) if steps else None
    if out.refresh_s:
        limit = max(3 * out.refresh_s, out.refresh_s + 5)
        out.gaps = [(a, b) for a, b, s in zip(times, times[1:], steps) if s > limit]
    out.episodes = locks.finish()
    out.statements = sorted(stmts.totals.values(), key=lambda t: -t.total_ms)
    out.statements_from, out.statements_to, out.statements_note = stmts.first_at, stmts.last_at, stmts.note
    out.peaks = conns.finish()
    out.total_peak = conns.total
    out.findings = sorted(finds.spans, key=lambda s: (-s.finding.rank, s.first_seen))
    if out.last is not None and out.caps is not None:
        worst = [s.finding for s in out.findings]
        out.result = FindingsResult(findings=tuple(worst),
                                    checks=tuple(finds.statuses[c] for c in CHECKS if c in finds.statuses),
                                    thresholds=thresholds, evaluated_at=out.last.at)
    return out
