"""What a pane may ask of the console it lives in, as a Protocol: the panes never import the
app (app -> widgets -> app was an import circle). Reads go to `data` (the source shown,
live or recorded); on-demand detail is asked for with a LoadDetail message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Protocol

from rich.console import RenderableType

from ..capabilities import Capabilities
from ..source import DataSource

if TYPE_CHECKING:
    from ..actions import ActionSession
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
    def want_idle_sessions(self, shown: bool) -> None: ...
    def action_show_pane(self, pane_id: str) -> None: ...
    def run_explain(self, statement: str, database: str | None) -> None: ...
    def confirm_vacuum(self, table: tuple[str, str] | None, label: str, dead: int | None) -> None: ...
    def confirm_action(self, title: str, body: RenderableType,
                       run: "Callable[[ActionSession], Awaitable[str]]", danger: bool = False,
                       refresh: Iterable[str] = ()) -> None: ...
    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...
