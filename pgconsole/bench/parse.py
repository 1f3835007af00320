"""Pure parsers for what pgbench prints on stderr: `-P` progress lines, `-i` progress,
errors; and the whole-run totals rebuilt from progress. The final report: summary.py.

Formats covered (from pgbench's own format strings, checked against captured output):
  13-14: "progress: 1.0 s, 812.3 tps, lat 1.229 ms stddev 0.310[, lag 0.1 ms[, 0 skipped]]"
  15+:   "... stddev 0.310, 0 failed[, lag ...][, 3 retried, 5 retries]"
  init:  "100000 of 200000 tuples (50%) [of pgbench_accounts (18)] done (elapsed ..., remaining ...)"
With `--progress-timestamp` the first field is a Unix time instead of seconds since start.
Numbers may be "nan"/"-nan" (13 divides by zero in an empty interval; 15 prints "NaN%").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

NUM = r"[-+]?(?:nan|inf|\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


def to_float(text: str | None) -> float | None:
    if text is None:
        return None
    v = float(text)
    return None if math.isnan(v) or math.isinf(v) else v


def to_int(text: str | None) -> int | None:
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
    rf"^progress: (?P<t>{NUM}) s, (?P<tps>{NUM}) tps, lat (?P<lat>{NUM}) ms stddev (?P<sd>{NUM})"
    rf"(?:, (?P<failed>\d+) failed)?"
    rf"(?:, lag (?P<lag>{NUM}) ms)?"
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
    tps = to_float(m["tps"]) or 0.0
    lat = to_float(m["lat"])
    sd = to_float(m["sd"])
    if tps == 0.0 and not lat:
        lat = sd = None  # an empty interval: pgbench prints 0 (15+) or nan (13)
    return ProgressSample(
        elapsed_s=t, interval_s=interval, tps=tps, latency_ms=lat, stddev_ms=sd,
        failed=to_int(m["failed"]), lag_ms=to_float(m["lag"]), skipped=to_int(m["skipped"]),
        retried=to_int(m["retried"]), retries=to_int(m["retries"]))


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
    rf"\(elapsed (?P<el>{NUM}) s, remaining (?P<rem>{NUM}) s\)")
_INIT_STEPS = ("dropping old tables", "creating tables", "generating data", "vacuuming",
               "creating primary keys", "creating foreign keys")


def parse_init_line(line: str) -> InitProgress | None:
    text = line.strip()
    m = _INIT_ROWS_RE.match(text)
    if m:
        return InitProgress("generating data", int(m["done"]), int(m["total"]), to_float(m["el"]), to_float(m["rem"]), text)
    for step in _INIT_STEPS:
        if text.startswith(step):
            return InitProgress(step, text=text)
    if text.startswith("done in "):
        m = re.match(rf"done in (?P<el>{NUM}) s", text)
        return InitProgress("done", elapsed_s=to_float(m["el"]) if m else None, text=text)
    return None


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
    lines = error_lines(stderr_lines)
    errs = [ln for i, ln in enumerate(lines) if not ln.startswith(("\t", "  ", "LINE "))
            and not _ignored(ln, lines[i + 1:])]
    if not errs:
        tail = [ln.strip() for ln in stderr_lines if ln.strip() and not _PROGRESS_RE.match(ln.strip())]
        return tail[-1] if tail else None
    first = errs[0]
    for p in ("pgbench: error: ", "pgbench: fatal: ", "pgbench: FATAL: "):
        if first.startswith(p):
            first = first[len(p):]
            break
    return " ".join(first.split())


def _ignored(line: str, after: list[str]) -> bool:
    """pgbench's own note on an error it carried on past (a start-up VACUUM that failed), or
    the error it notes: the run went on, so the error that ended it comes later."""
    if line.startswith("pgbench: detail:"):
        return "ignoring this error" in line
    nxt = next((ln for ln in after if not ln.startswith(("\t", "  ", "LINE ", "DETAIL:", "HINT:"))), "")
    return nxt.startswith("pgbench: detail:") and "ignoring this error" in nxt


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
    stddev = math.sqrt(max(s2 / weighted - mean * mean, 0.0)) if mean is not None else None   # None: no weight
    fails = [s.failed for s in samples if s.failed is not None]
    return ProgressTotals(
        elapsed_s=elapsed, transactions=n_total, tps=n_total / span,
        latency_avg_ms=mean, latency_stddev_ms=stddev, failed=sum(fails) if fails else None,
        peak_tps=max(s.tps for s in samples))
