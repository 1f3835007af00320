"""The command palette (Ctrl+P): every key of the registry as a named command, the
ones --read-only disables included (they say so and refuse)."""

from __future__ import annotations

from typing import Any, Iterable, Protocol

from textual.app import SystemCommand

from . import keys
from .host import Host


class PaletteHost(Host, Protocol):
    """The console, as the palette sees it (no import of the app: it imports this module)."""

    def call_later(self, callback: Any, *args: Any, **kwargs: Any) -> bool: ...
    def action_help(self) -> None: ...
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None: ...
    def time_action_state(self, action: str, prompt_open: bool = False) -> bool | None: ...
    async def run_action(self, action: str, default_namespace: Any = None) -> bool: ...



def helptext(k: keys.Key, extra: str = "") -> str:
    # the palette reads help as markup: an opening square bracket is escaped (the rewind key is one)
    return f"{k.help} · key {(k.display or k.key).split(',')[0]}{extra}".replace("[", "\\[")


def palette_commands(app: PaletteHost, number_keys: list[keys.Key]) -> Iterable[SystemCommand]:
    pane = app.current_pane
    for k in number_keys:
        yield SystemCommand(f"Pane: {k.label}", helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    for k in keys.for_scope("time"):
        if app.time_action_state(k.action, prompt_open=True):   # rewound or replaying ([: something kept)
            yield SystemCommand(f"Time: {k.label}", helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    past = "disabled: a recorded moment is shown (nothing to act on in the past)"
    for k in keys.for_scope("console"):
        if k.action in ("quit", "help"):
            continue
        if app.time_travelling and app.check_action(k.action, ()) is False:
            yield SystemCommand(k.label, helptext(k, " · " + past),
                                lambda label=k.label: app.notify(f"{label}: {past}", severity="warning"))
            continue
        if k.writes and app.read_only:
            yield SystemCommand(k.label, helptext(k, " · disabled by --read-only"),
                                lambda label=k.label: app.notify(f"{label}: disabled by --read-only",
                                                                 severity="warning"))
            continue
        yield SystemCommand(k.label, helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    for k in keys.for_scope("pane") + keys.for_scope(pane.pane_id):
        if k.writes and app.time_travelling:
            yield SystemCommand(f"{pane.title}: {k.label}", helptext(k, " · " + past),
                                lambda label=k.label: app.notify(f"{label}: {past}", severity="warning"))
            continue
        if k.writes and app.read_only:
            yield SystemCommand(f"{pane.title}: {k.label}", helptext(k, " · disabled by --read-only"),
                                lambda label=k.label: app.notify(f"{label}: disabled by --read-only",
                                                                 severity="warning"))
            continue
        yield SystemCommand(f"{pane.title}: {k.label}", helptext(k),
                            lambda a=k.action, p=pane: app.call_later(app.run_action, a, p))
    if pane.pane_id != "bloat" and not app.time_travelling:   # the Bloat pane lists its own v / V above
        yield from vacuum_commands(app)
    yield SystemCommand("Help", "every key of the console · key ?", app.action_help)


def vacuum_commands(app: PaletteHost) -> Iterable[SystemCommand]:
    """VACUUM ANALYZE from any pane: the Bloat pane's own actions (confirmed, refused by --read-only)."""
    bloat = next((p for p in app.panes if p.pane_id == "bloat"), None)
    if bloat is None:
        return

    def selected() -> None:
        app.action_show_pane("bloat")   # the table is the one selected there
        bloat.action_vacuum()

    yield SystemCommand("VACUUM ANALYZE the selected table", "the table selected in the Bloat pane, with "
                        "progress · Bloat pane key v", lambda: app.call_later(selected))
    yield SystemCommand("VACUUM ANALYZE the whole database", "every table, with progress · Bloat pane key V",
                        lambda: app.call_later(bloat.action_vacuum_db))
