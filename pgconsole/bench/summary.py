"""Pure parser for pgbench's final report (its stdout), across pgbench 13-18.

  13:  "tps = X (including connections establishing)" and "(excluding ...)"
  14+: version banner "pgbench (14.10[, server 16.1])", "initial connection time = X ms",
       "tps = X (without initial connection time)"; with -C "average connection time"
       and "tps = X (including reconnection times)"
  15+: "maximum number of tries", "number of failed transactions: N (P%)", retries,
       --failures-detailed counts; per-script sections changed shape in 18
"""

from __future__ import annotations

import re
from typing import Any
from dataclasses import dataclass, field

from .parse import NUM, to_float, to_int

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
_TPS_RE = re.compile(rf"^tps = (?P<v>{NUM}) \((?P<how>[^)]*)\)")
_LATENCY_RE = re.compile(rf"^latency (?P<what>average|stddev)\s*[=:]\s*(?P<v>{NUM}) ms", re.IGNORECASE)
_LATE_RE = re.compile(rf"^number of transactions above the (?P<lim>{NUM}) ms latency limit: "
                      rf"(?P<late>\d+)(?:/\d+)?")
_LAG_RE = re.compile(rf"^rate limit schedule lag: avg (?P<avg>{NUM}) \(max (?P<max>{NUM})\) ms")
_PROCESSED_RE = re.compile(r"^number of transactions actually processed: (?P<n>\d+)(?:/(?P<planned>\d+))?")
_SCRIPT_RE = re.compile(r"^SQL script (?P<n>\d+): (?P<name>.*)$")
_COUNT_PCT_RE = re.compile(rf"^(?P<n>\d+) \((?P<pct>{NUM})%\)", re.IGNORECASE)


def parse_summary(text: str) -> BenchSummary:
    """Parse pgbench's stdout after a run (banner, summary, per-script sections)."""
    out: dict[str, Any] = {}
    scripts: list[dict[str, Any]] = []
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
                out["tps_including_connections"] = to_float(m["v"])
            else:
                out["tps"] = to_float(m["v"])
            continue
        m = _LATENCY_RE.match(line)
        if m:
            out["latency_avg_ms" if m["what"].lower() == "average" else "latency_stddev_ms"] = to_float(m["v"])
            continue
        m = _PROCESSED_RE.match(line)
        if m:
            out["transactions"] = int(m["n"])
            out["transactions_planned"] = to_int(m["planned"])
            continue
        m = _LATE_RE.match(line)
        if m:
            out["latency_limit_ms"], out["late"] = to_float(m["lim"]), int(m["late"])
            continue
        m = _LAG_RE.match(line)
        if m:
            out["lag_avg_ms"], out["lag_max_ms"] = to_float(m["avg"]), to_float(m["max"])
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
                    out["failed_pct"] = to_float(c["pct"])
    out["scripts"] = tuple(ScriptSummary(**s) for s in scripts)
    return BenchSummary(**out)


def _convert(val: str, typ: type) -> str | int | float | None:
    if typ is str:
        return val
    m = re.match(NUM, val, re.IGNORECASE)
    if not m:
        return None
    return int(float(m[0])) if typ is int else to_float(m[0])


_SCRIPT_TX_RE = re.compile(rf"^(?P<n>\d+) transactions \({NUM}% of total(?:, tps = (?P<tps>{NUM}))?\)")


def _script_line(s: dict[str, Any], line: str) -> None:
    m = re.match(r"^weight: (\d+)", line)
    if m:
        s["weight"] = int(m[1])
        return
    m = _SCRIPT_TX_RE.match(line)
    if m:  # 13-15: "N transactions (P% of total, tps = X)"; 18 prints the tps on the next line
        s["transactions"] = int(m["n"])
        if m["tps"] is not None:
            s["tps"] = to_float(m["tps"])
        return
    m = re.match(rf"^number of transactions actually processed: (\d+) \(tps = ({NUM})\)", line)
    if m:  # 18: successful transactions, where the line above counted failures too
        s["transactions"], s["tps"] = int(m[1]), to_float(m[2])
        return
    m = re.match(r"^number of failed transactions: (\d+)", line)
    if m:
        s["failed"] = int(m[1])
        return
    m = _LATENCY_RE.match(line)
    if m:
        s["latency_avg_ms" if m["what"].lower() == "average" else "latency_stddev_ms"] = to_float(m["v"])
