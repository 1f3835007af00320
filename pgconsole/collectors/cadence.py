"""Adaptive cadence: an expensive read measures its own cost and slows itself down.

pgcenter skips a query whose last run took more than max(refresh/4, 500 ms) and shows
its last value as stale. Here each expensive read has a share of one server core it may
take on average (`share`, e.g. 0.005 = 0.5%): after a run that took `cost` seconds it
is not asked again for `cost / share` seconds (never sooner than its own interval).
On a small catalog nothing changes (the cost is milliseconds); at 10,000 tables the
cache, bloat, database-size and catalog reads space themselves out instead of taking a
fifth of a core. A transient timeout (statement_timeout, lock_timeout) doubles the
wait, up to `max_backoff_s`, and keeps the last value: it is shown as stale, never
as wrong and never as unavailable for good.

`Stale` is what the frame carries for a view whose value is older than its normal
interval, so a pane can say "stale since 12:03:04 (slow query, next in 40 s)".
"""

from __future__ import annotations

from ..snapshots import Stale

__all__ = ["Cadence", "Stale", "SLOW", "TIMED_OUT"]

SLOW = "slow query"
TIMED_OUT = "timed out"


class Cadence:
    """When one expensive read is next due, from what its last run cost."""

    def __init__(self, share: float, max_backoff_s: float = 600.0) -> None:
        self.share = share                  # of one core, on average; 0: not adaptive
        self.max_backoff_s = max_backoff_s
        self.cost_s: float | None = None    # wall time of the last successful run
        self.timeouts = 0                   # transient timeouts in a row

    def reset(self) -> None:
        self.cost_s = None
        self.timeouts = 0

    def record(self, cost_s: float) -> None:
        self.cost_s = cost_s
        self.timeouts = 0

    def record_timeout(self, cost_s: float) -> None:
        self.timeouts += 1
        self.cost_s = max(self.cost_s or 0.0, cost_s)

    def interval(self, base_s: float) -> float:
        """The wait after a run: at least `base_s`, and long enough to keep within the share."""
        wait = base_s
        if self.share > 0 and self.cost_s is not None:
            wait = max(wait, self.cost_s / self.share)
        if self.timeouts:
            wait = max(wait, 1.0) * (2 ** self.timeouts)   # a view with no interval of its own too
        return min(wait, max(self.max_backoff_s, base_s))

    def slowed(self, base_s: float) -> bool:
        """True when the read waits longer than its own interval (its value is stale)."""
        return self.timeouts > 0 or self.interval(base_s) > base_s + 1e-9

    def reason(self) -> str:
        return TIMED_OUT if self.timeouts else SLOW
