"""What every check reads: one frame of snapshots, one run of catalog queries, the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..capabilities import Capabilities
from ..snapshots import Frame, Unavailable
from .catalog_rows import Catalog, ServerContext
from .model import CheckUnavailable


def refused(u: Unavailable) -> bool:
    """The server refused (a privilege, a timeout) rather than lacked (an extension, a version)."""
    return u.reason.startswith(("permission denied", "timed out"))


@dataclass(frozen=True)
class CheckInputs:
    frame: Frame | None
    catalog: Catalog | None
    caps: Capabilities
    now: datetime
    own_statements: bool = False    # judge pgconsole's own statements too
    earlier: Frame | None = None     # a previous frame, when the caller kept one

    @property
    def database(self) -> str:
        return self.caps.current_database

    def view(self, name: str) -> Any:   # the Frame field of that name: its type is the caller's
        """A snapshot view, or CheckUnavailable saying why there is none."""
        v = getattr(self.frame, name, None) if self.frame is not None else None
        if v is None:
            raise CheckUnavailable(f"the {name} view was not collected")
        if isinstance(v, Unavailable):
            raise CheckUnavailable(f"{name}: {v.reason}", v.hint, blind=refused(v))
        return v

    def rows(self, query: str) -> tuple[Any, ...]:
        """A catalog query's rows, or CheckUnavailable saying why there are none."""
        r = self.catalog.get(query) if self.catalog is not None else None
        if r is None:
            raise CheckUnavailable(f"catalog query {query} was not run")
        if isinstance(r, Unavailable):
            raise CheckUnavailable(f"{query}: {r.reason}", r.hint, blind=refused(r))
        return r

    def context(self) -> ServerContext:
        ctx = self.catalog.context() if self.catalog is not None else None
        if ctx is None:
            self.rows("findings_context")  # raises with the reason
            raise CheckUnavailable("findings_context returned no row")
        return ctx
