"""What every collector shares: a cadence, and degrading once instead of failing every poll."""

from __future__ import annotations

from typing import Any

import asyncpg

from ..capabilities import Capabilities
from .cadence import Cadence
from ..errors import scrub
from ..snapshots import Unavailable

# what the collectors of one poll pass on to the next ones (the connections view, to locks)
Context = dict[str, Any]

GRANT_HINT = "GRANT pg_monitor TO {user}; (or pg_read_all_stats)"


class Collector:
    name: str = ""
    every: int = 1  # collect on every Nth poll...
    min_interval_s: float = 0.0  # ...and not sooner than this after the last time: a faster
    # refresh (`+`) must not multiply the cost of the catalog-wide views on the server
    hidden_interval_s: float = 0.0  # while no pane shows this view (the console says which
    # are on screen): its interval then, 0 = the same as shown
    share: float = 0.0  # of one server core this view may take on average (cadence.py):
    # an expensive view waits cost/share after each run; 0 = not adaptive

    def __init__(self) -> None:
        self.unavailable: Unavailable | None = None
        self.cadence = Cadence(self.share)

    def precheck(self, caps: Capabilities) -> Unavailable | None:
        """Refuse up front when the server or role cannot give this view."""
        return None

    async def collect(self, conn: asyncpg.Connection, caps: Capabilities, context: Context) -> object:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget previous samples (after a reconnect: counters may have restarted)."""

    def classify(self, exc: BaseException, caps: Capabilities) -> Unavailable | None:
        """A permanent failure becomes Unavailable (shown once, never retried); None: transient."""
        user = caps.current_user
        if isinstance(exc, asyncpg.InsufficientPrivilegeError):
            return Unavailable(self.name, f"permission denied ({scrub(str(exc))})",
                               GRANT_HINT.format(user=user))
        if isinstance(exc, asyncpg.ObjectNotInPrerequisiteStateError):
            return Unavailable(self.name, scrub(str(exc)),
                               "set shared_preload_libraries = 'pg_stat_statements' in postgresql.conf and restart")
        if isinstance(exc, (asyncpg.UndefinedTableError, asyncpg.UndefinedFunctionError,
                            asyncpg.UndefinedColumnError, asyncpg.UndefinedObjectError)):
            return Unavailable(self.name, f"not supported here ({scrub(str(exc))})",
                               "report this with your server and extension versions")
        return None
