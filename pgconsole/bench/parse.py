"""Pure parsers for what pgbench prints: `-P` progress lines, `-i` progress, the summary.

Formats covered (from pgbench's own format strings, checked against captured output):
  progress, 13-14: "progress: 1.0 s, 812.3 tps, lat 1.229 ms stddev 0.310[, lag 0.1 ms[, 0 skipped]]"
  progress, 15+:   "... stddev 0.310, 0 failed[, lag ...][, 3 retried, 5 retries]"
  summary, 13:     "tps = X (including connections establishing)" / "(excluding ...)"
  summary, 14+:    "initial connection time = X ms" + "tps = X (without initial connection time)"
  summary, 15+:    "maximum number of tries", "number of failed transactions: N (P%)", ...
With `--progress-timestamp` the first field is a Unix time instead of seconds since start.
Numbers may be "nan"/"-nan" (13 divides by zero in an empty interval; 15 prints "NaN%").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_NUM = r"[-+]?(?:nan|inf|\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def _f(text: str | None) -> float | None:
    if text is None:
        return None
    v = float(text)
    return None if math.isnan(v) or math.isinf(v) else v


def _i(text: str | None) -> int | None:
    return None if text is None else int(text)


@dataclass(frozen=True)
class ProgressSample:
    """One `-P` report: figures for the interval that just ended."""

    elapsed_s: float          # seconds since the benchmark started (pgbench's clock)
    interval_s: float         # length of the interval these figures cover
    tps: float
    latency_ms: float | None  # None when no transaction finished in the interval
    stddev_ms: float | None
    failed: int | None        # None: pgbench 13/14 do not report failures
    lag_ms: float | None = None
    skipped: int | None = None
    retried: int | None = None
    retries: int | None = None

    @property
    def transactions(self) -> int:
        """Transactions completed in the interval (tps was printed with one decimal)."""
        return round(self.tps * self.interval_s)


_PROGRESS_RE = re.compile(
    rf"^progress: (?P<t>{_NUM}) s, (?P<tps>{_NUM}) tps, lat (?P<lat>{_NUM}) ms stddev (?P<sd>{_NUM})"
    rf"(?:, (?P<failed>\d+) failed)?"
    rf"(?:, lag (?P<lag>{_NUM}) ms)?"
    rf"(?:, (?P<skipped>\d+) skipped)?"
    rf"(?:, (?P<retried>\d+) retried, (?P<retries>\d+) retries)?\s*$", re.IGNORECASE)

# a Unix time (--progress-timestamp) rather than seconds since the start
_EPOCH_FLOOR = 1e8


def parse_progress(line: str, previous: ProgressSample | None = None,
                   start_epoch: float | None = None) -> ProgressSample | None:
    """Parse one progress line; None when the line is something else.

    `previous` gives the interval length; `start_epoch` (the Unix time the run started)
    turns `--progress-timestamp` times into seconds since the start.
    """
    m = _PROGRESS_RE.match(line.strip())
    if not m:
        return None
    t = float(m["t"])
    if t > _EPOCH_FLOOR:
        if start_epoch is not None:
            t = max(t - start_epoch, 0.0)
        else:  # no start time known: assume one-second intervals
            t = (previous.elapsed_s if previous is not None else 0.0) + 1.0
    prev_t = previous.elapsed_s if previous is not None else 0.0
    interval = t - prev_t
    if interval <= 0:
        interval = 1.0
    tps = _f(m["tps"]) or 0.0
    lat = _f(m["lat"])
    sd = _f(m["sd"])
    if tps == 0.0 and not lat:
        lat = sd = None  # an empty interval: pgbench prints 0 (15+) or nan (13)
    return ProgressSample(
        elapsed_s=t, interval_s=interval, tps=tps, latency_ms=lat, stddev_ms=sd,
        failed=_i(m["failed"]), lag_ms=_f(m["lag"]), skipped=_i(m["skipped"]),
        retried=_i(m["retried"]), retries=_i(m["retries"]))


@dataclass(frozen=True)
class InitProgress:
    """A line of `pgbench -i` output: a step, or rows generated so far."""

    step: str                       # "dropping old tables", "generating data", ..., "done"
    rows_done: int | None = None
    rows_total: int | None = None
    elapsed_s: float | None = None
    remaining_s: float | None = None
    text: str = ""

    @property
    def fraction(self) -> float | None:
        if self.rows_done is None or not self.rows_total:
            return None
        return min(self.rows_done / self.rows_total, 1.0)


_INIT_ROWS_RE = re.compile(
    rf"^(?P<done>\d+) of (?P<total>\d+) tuples \((?P<pct>\d+)%\)(?: of \w+)? done "
    rf"\(elapsed (?P<el>{_NUM}) s, remaining (?P<rem>{_NUM}) s\)")
_INIT_STEPS = ("dropping old tables", "creating tables", "generating data", "vacuuming",
               "creating primary keys", "creating foreign keys")


def parse_init_line(line: str) -> InitProgress | None:
    text = line.strip()
    m = _INIT_ROWS_RE.match(text)
    if m:
        return InitProgress("generating data", int(m["done"]), int(m["total"]), _f(m["el"]), _f(m["rem"]), text)
    for step in _INIT_STEPS:
        if text.startswith(step):
            return InitProgress(step, text=text)
    if text.startswith("done in "):
        m = re.match(rf"done in (?P<el>{_NUM}) s", text)
        return InitProgress("done", elapsed_s=_f(m["el"]) if m else None, text=text)
    return None


@dataclass(frozen=True)
class ScriptSummary:
    """Per-script figures printed with several scripts or `-r`."""

    number: int
    name: str
    weight: int | None = None
    transactions: int | None = None   # processed successfully
    tps: float | None = None
    failed: int | None = None
    latency_avg_ms: float | None = None
    latency_stddev_ms: float | None = None


@dataclass(frozen=True)
class BenchSummary:
    """pgbench's final report, field by field (None where this version or run prints nothing)."""

    pgbench_version: str | None = None
    server_version: str | None = None
    transaction_type: str | None = None
    scaling_factor: int | None = None
    query_mode: str | None = None
    clients: int | None = None
    threads: int | None = None
    max_tries: int | None = None
    duration_s: int | None = None
    transactions_per_client: int | None = None
    transactions: int | None = None           # "actually processed" (successful)
    transactions_planned: int | None = None   # with -t: clients x transactions per client
    failed: int | None = None
    failed_pct: float | None = None
    serialization_failures: int | None = None
    deadlock_failures: int | None = None
    other_failures: int | None = None
    retried: int | None = None
    retries: int | None = None
    skipped: int | None = None
    latency_limit_ms: float | None = None
    late: int | None = None
    latency_avg_ms: float | None = None
    latency_stddev_ms: float | None = None
    lag_avg_ms: float | None = None
    lag_max_ms: float | None = None
    initial_connection_ms: float | None = None   # 14+
    average_connection_ms: float | None = None   # 14+ with -C
    tps: float | None = None                     # without connection time (13: "excluding")
    tps_including_connections: float | None = None  # 13, or 14+ with -C
    scripts: tuple[ScriptSummary, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return self.tps is not None or self.tps_including_connections is not None

    @property
    def headline_tps(self) -> float | None:
        """The figure to show: tps without connection time, or with it under -C."""
        return self.tps if self.tps is not None else self.tps_including_connections


_SIMPLE: dict[str, tuple[str, type]] = {
    "transaction type": ("transaction_type", str),
    "scaling factor": ("scaling_factor", int),
    "query mode": ("query_mode", str),
    "number of clients": ("clients", int),
    "number of threads": ("threads", int),
    "maximum number of tries": ("max_tries", int),
    "number of transactions per client": ("transactions_per_client", int),
    "total number of retries": ("retries", int),
    "initial connection time": ("initial_connection_ms", float),
    "average connection time": ("average_connection_ms", float),
}
_COUNT_PCT = {
    "number of failed transactions": "failed",
    "number of serialization failures": "serialization_failures",
    "number of deadlock failures": "deadlock_failures",
    "number of other failures": "other_failures",
    "number of transactions retried": "retried",
    "number of transactions skipped": "skipped",
}
_BANNER_RE = re.compile(r"^pgbench \((?P<client>[^,]+?(?: \([^)]*\))?)(?:, server (?P<server>.+))?\)$")
_KV_RE = re.compile(r"^(?P<key>[a-z][a-z ]*?)\s*[:=]\s*(?P<val>.*)$")
_TPS_RE = re.compile(rf"^tps = (?P<v>{_NUM}) \((?P<how>[^)]*)\)")
_LATENCY_RE = re.compile(rf"^latency (?P<what>average|stddev)\s*[=:]\s*(?P<v>{_NUM}) ms", re.IGNORECASE)
_LATE_RE = re.compile(rf"^number of transactions above the (?P<lim>{_NUM}) ms latency limit: "
                      rf"(?P<late>\d+)(?:/\d+)?")
_LAG_RE = re.compile(rf"^rate limit schedule lag: avg (?P<avg>{_NUM}) \(max (?P<max>{_NUM})\) ms")
_PROCESSED_RE = re.compile(r"^number of transactions actually processed: (?P<n>\d+)(?:/(?P<planned>\d+))?")
_SCRIPT_RE = re.compile(r"^SQL script (?P<n>\d+): (?P<name>.*)$")
_COUNT_PCT_RE = re.compile(rf"^(?P<n>\d+) \((?P<pct>{_NUM})%\)", re.IGNORECASE)


def parse_summary(text: str) -> BenchSummary:
    """Parse pgbench's stdout after a run (banner, summary, per-script sections)."""
    out: dict = {}
    scripts: list[dict] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith(" - ") and scripts:
            _script_line(scripts[-1], line[3:].strip())
            continue
        if line.startswith(" "):
            continue  # per-statement latencies
        m = _SCRIPT_RE.match(line)
        if m:
            scripts.append({"number": int(m["n"]), "name": m["name"]})
            continue
        m = _BANNER_RE.match(line)
        if m:
            out["pgbench_version"] = m["client"]
            out["server_version"] = m["server"] or m["client"]
            continue
        m = _TPS_RE.match(line)
        if m:
            how = m["how"]
            if "including" in how:
                out["tps_including_connections"] = _f(m["v"])
            else:
                out["tps"] = _f(m["v"])
            continue
        m = _LATENCY_RE.match(line)
        if m:
            out["latency_avg_ms" if m["what"].lower() == "average" else "latency_stddev_ms"] = _f(m["v"])
            continue
        m = _PROCESSED_RE.match(line)
        if m:
            out["transactions"] = int(m["n"])
            out["transactions_planned"] = _i(m["planned"])
            continue
        m = _LATE_RE.match(line)
        if m:
            out["latency_limit_ms"], out["late"] = _f(m["lim"]), int(m["late"])
            continue
        m = _LAG_RE.match(line)
        if m:
            out["lag_avg_ms"], out["lag_max_ms"] = _f(m["avg"]), _f(m["max"])
            continue
        if line.startswith("duration: "):
            d = re.match(r"duration: (\d+) s", line)
            out["duration_s"] = int(d[1]) if d else None
            continue
        m = _KV_RE.match(line)
        if not m:
            continue
        key, val = m["key"].strip(), m["val"].strip()
        if key in _SIMPLE:
            name, typ = _SIMPLE[key]
            out[name] = _convert(val, typ)
        elif key in _COUNT_PCT:
            c = _COUNT_PCT_RE.match(val)
            if c:
                out[_COUNT_PCT[key]] = int(c["n"])
                if key == "number of failed transactions":
                    out["failed_pct"] = _f(c["pct"])
    out["scripts"] = tuple(ScriptSummary(**s) for s in scripts)
    return BenchSummary(**out)


def _convert(val: str, typ: type):
    if typ is str:
        return val
    m = re.match(_NUM, val, re.IGNORECASE)
    if not m:
        return None
    return int(float(m[0])) if typ is int else _f(m[0])


_SCRIPT_TX_RE = re.compile(rf"^(?P<n>\d+) transactions \({_NUM}% of total(?:, tps = (?P<tps>{_NUM}))?\)")


def _script_line(s: dict, line: str) -> None:
    m = re.match(r"^weight: (\d+)", line)
    if m:
        s["weight"] = int(m[1])
        return
    m = _SCRIPT_TX_RE.match(line)
    if m:  # 13-15: "N transactions (P% of total, tps = X)"; 18 prints the tps on the next line
        s["transactions"] = int(m["n"])
        if m["tps"] is not None:
            s["tps"] = _f(m["tps"])
        return
    m = re.match(rf"^number of transactions actually processed: (\d+) \(tps = ({_NUM})\)", line)
    if m:  # 18: successful transactions, where the line above counted failures too
        s["transactions"], s["tps"] = int(m[1]), _f(m[2])
        return
    m = re.match(r"^number of failed transactions: (\d+)", line)
    if m:
        s["failed"] = int(m[1])
        return
    m = _LATENCY_RE.match(line)
    if m:
        s["latency_avg_ms" if m["what"].lower() == "average" else "latency_stddev_ms"] = _f(m["v"])


_ERROR_PREFIXES = ("pgbench: error:", "pgbench: fatal:", "pgbench: FATAL:", "FATAL:", "ERROR:")


def error_lines(stderr_lines: list[str]) -> list[str]:
    """pgbench's own error text from its stderr, in order, continuation lines attached."""
    out: list[str] = []
    taking = False
    for raw in stderr_lines:
        line = raw.rstrip()
        if line.startswith(_ERROR_PREFIXES) or line.startswith("pgbench: detail:"):
            out.append(line)
            taking = True
        elif taking and line.startswith(("\t", "  ", "LINE ", "DETAIL:", "HINT:")) and line.strip() != "^":
            out.append(line)
        else:
            taking = False
    return out


def error_message(stderr_lines: list[str]) -> str | None:
    """One line for a user: the first error, without the 'pgbench: error:' prefix noise,
    plus 'Run was aborted' style notes folded in."""
    errs = [ln for ln in error_lines(stderr_lines) if not ln.startswith(("\t", "  ", "LINE "))]
    if not errs:
        tail = [ln.strip() for ln in stderr_lines if ln.strip() and not _PROGRESS_RE.match(ln.strip())]
        return tail[-1] if tail else None
    first = errs[0]
    for p in ("pgbench: error: ", "pgbench: fatal: ", "pgbench: FATAL: "):
        if first.startswith(p):
            first = first[len(p):]
            break
    return " ".join(first.split())


@dataclass(frozen=True)
class ProgressTotals:
    """Totals rebuilt from progress samples (what is left when pgbench is stopped early)."""

    elapsed_s: float
    transactions: int
    tps: float
    latency_avg_ms: float | None
    latency_stddev_ms: float | None
    failed: int | None
    peak_tps: float


def totals(samples: list[ProgressSample] | tuple[ProgressSample, ...]) -> ProgressTotals:
    """Pool the per-interval means and standard deviations into whole-run figures."""
    if not samples:
        return ProgressTotals(0.0, 0, 0.0, None, None, None, 0.0)
    n_total = 0
    s1 = s2 = 0.0
    weighted = 0
    for s in samples:
        n = s.transactions
        n_total += n
        if n and s.latency_ms is not None:
            sd = s.stddev_ms or 0.0
            weighted += n
            s1 += n * s.latency_ms
            s2 += n * (sd * sd + s.latency_ms * s.latency_ms)
    elapsed = samples[-1].elapsed_s
    span = sum(s.interval_s for s in samples) or elapsed or 1.0
    mean = s1 / weighted if weighted else None
    sd = math.sqrt(max(s2 / weighted - mean * mean, 0.0)) if weighted else None
    fails = [s.failed for s in samples if s.failed is not None]
    return ProgressTotals(
        elapsed_s=elapsed, transactions=n_total, tps=n_total / span,
        latency_avg_ms=mean, latency_stddev_ms=sd, failed=sum(fails) if fails else None,
        peak_tps=max(s.tps for s in samples))
