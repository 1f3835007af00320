"""The command palette (Ctrl+P): every key of the registry as a named command, the
ones --read-only disables included (they say so and refuse)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from textual.app import SystemCommand

from . import keys

if TYPE_CHECKING:
    from .app import ConsoleApp


def helptext(k: keys.Key, extra: str = "") -> str:
    # the palette reads help as markup: no square brackets
    return f"{k.help} · key {(k.display or k.key).split(',')[0]}{extra}".replace("[", "(").replace("]", ")")


def palette_commands(app: "ConsoleApp", number_keys: list[keys.Key]) -> Iterable[SystemCommand]:
    pane = app.current_pane
    for k in number_keys:
        yield SystemCommand(f"Pane: {k.label}", helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    for k in keys.for_scope("console"):
        if k.action in ("quit", "help"):
            continue
        if k.writes and app.read_only:
            yield SystemCommand(k.label, helptext(k, " · disabled by --read-only"),
                                lambda label=k.label: app.notify(f"{label}: disabled by --read-only",
                                                                 severity="warning"))
            continue
        yield SystemCommand(k.label, helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    for k in keys.for_scope("pane") + keys.for_scope(pane.pane_id):
        if k.writes and app.read_only:
            yield SystemCommand(f"{pane.title}: {k.label}", helptext(k, " · disabled by --read-only"),
                                lambda label=k.label: app.notify(f"{label}: disabled by --read-only",
                                                                 severity="warning"))
            continue
        yield SystemCommand(f"{pane.title}: {k.label}", helptext(k),
                            lambda a=k.action, p=pane: app.call_later(app.run_action, a, p))
    if pane.pane_id != "bloat":   # the Bloat pane lists its own v / V above
        yield from vacuum_commands(app)
    yield SystemCommand("Help", "every key of the console · key ?", app.action_help)


def vacuum_commands(app: "ConsoleApp") -> Iterable[SystemCommand]:
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
