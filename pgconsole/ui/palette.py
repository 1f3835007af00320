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
        yield SystemCommand(k.label, helptext(k), lambda a=k.action: app.call_later(app.run_action, a))
    for k in keys.for_scope("pane") + keys.for_scope(pane.pane_id):
        if k.writes and app.read_only:
            yield SystemCommand(f"{pane.title}: {k.label}", helptext(k, " · disabled by --read-only"),
                                lambda label=k.label: app.notify(f"{label}: disabled by --read-only",
                                                                 severity="warning"))
            continue
        yield SystemCommand(f"{pane.title}: {k.label}", helptext(k),
                            lambda a=k.action, p=pane: app.call_later(app.run_action, a, p))
    yield SystemCommand("Help", "every key of the console · key ?", app.action_help)
