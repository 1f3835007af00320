"""What a pane may read of the console it lives in, as a Protocol: the panes never import the
app (app -> widgets -> app was an import circle). Reads go to `data` (the source shown,
live or recorded); what a pane wants done it posts as a message (messages.py: LoadDetail,
ConfirmAction, ConfirmVacuum, ExplainStatement, IdleSessionsShown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..capabilities import Capabilities
from ..source import DataSource

if TYPE_CHECKING:
    from .widgets.pane import Pane


class Host(Protocol):
    ascii: bool
    read_only: bool

    @property
    def data(self) -> DataSource | None: ...
    @property
    def caps(self) -> Capabilities | None: ...
    @property
    def time_travelling(self) -> bool: ...
    @property
    def panes(self) -> "list[Pane]": ...
    @property
    def current_pane(self) -> "Pane": ...

    def own_pids(self) -> frozenset[int]: ...
    def update_detail(self) -> None: ...
    def action_show_pane(self, pane_id: str) -> None: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...
