"""One registry of keys: it feeds the bindings, the footer, the help screen and the
command palette, so the four never disagree.

Every key has a stable id (remappable with App.set_keymap). `writes` marks the ones
that change the server: --read-only greys them out (check_action returns None).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    key: str            # Textual key name(s), comma-separated
    action: str
    label: str          # short, for the footer
    help: str           # one line, for the help screen and the palette
    scope: str          # "console", "pane" (every pane) or a pane name
    show: bool = True
    writes: bool = False
    display: str | None = None
    priority: bool = False   # before the focused pane's own key (g: the Findings pane's "go to")


KEYS: tuple[Key, ...] = (
    Key("console.help", "?", "help", "Help", "show every key", "console"),
    Key("console.quit", "q", "quit", "Quit", "quit the console", "console"),
    Key("console.pause", "p", "toggle_pause", "Pause", "pause or resume refreshing", "console"),
    Key("console.refresh", "r", "refresh_now", "Refresh", "refresh now (every view)", "console", show=False),
    Key("console.faster", "+,=", "faster", "Faster", "refresh more often", "console", show=False,
        display="+"),
    Key("console.slower", "-", "slower", "Slower", "refresh less often", "console", show=False),
    Key("console.filter", "/", "filter", "Filter", "filter rows: text, db:NAME, user:NAME, state:STATE, app:NAME",
        "console"),
    Key("console.clear_filter", "escape", "clear_filter", "Clear filter", "clear the filter of this pane",
        "console", show=False, display="esc"),
    Key("console.detail", "d", "toggle_detail", "Detail", "show or hide the detail panel", "console",
        show=False),
    Key("console.zoom", "z", "zoom", "Zoom", "open the selected row's detail full screen (also Enter)",
        "console", show=False),
    Key("console.seed", "ctrl+s", "seed", "Seed a scenario…", "seed a scenario: fill the database with "
        "realistic data, one transaction, with progress", "console", show=False, writes=True),
    Key("console.load", "L", "load", "Load", "run pgbench against this database (clients, "
        "duration, script, rate; init tables if missing): a panel, the panes stay live; L hides/shows it",
        "console", writes=True),
    Key("console.load_stop", "X", "load_stop", "Stop load", "stop the pgbench run started with L",
        "console", show=False),
    # time: the live console's last 30 minutes (rewind) and `pgconsole replay`
    Key("time.back", "left_square_bracket", "back", "Rewind", "step back in time: the whole console as it was "
        "(live: the last 30 minutes are kept; replay: one frame back)", "time", display="["),
    Key("time.forward", "right_square_bracket", "forward", "Forward", "step forward in time (rewound past the "
        "newest moment: live again)", "time", show=False, display="]"),
    Key("time.live", "escape", "go_live", "Live", "back to the live console", "time", display="esc"),
    Key("time.play", "space", "toggle_play", "Play", "play or pause the recording", "time", display="space"),
    Key("time.faster", "+,=", "play_faster", "Faster", "play faster (up to 16x)", "time", show=False,
        display="+"),
    Key("time.slower", "-", "play_slower", "Slower", "play slower (down to 0.25x)", "time", show=False),
    Key("time.goto", "g", "goto_time", "Go to time", "jump to a time: 03:12, -15m, +30s or an ISO time", "time",
        priority=True),
    Key("time.next", "n", "next_marker", "Next mark", "jump to the next marker (lock wait, connection peak, "
        "new finding, restart)", "time", show=False),
    Key("time.prev", "N", "prev_marker", "Prev mark", "jump to the previous marker", "time", show=False),
    Key("pane.sort", "s", "sort", "Sort", "choose the sort column", "pane"),
    Key("pane.reverse", "S", "reverse", "Reverse", "reverse the sort order", "pane", show=False),
    # connections
    Key("connections.idle", "i", "toggle_idle", "Idle", "show or hide idle sessions", "connections"),
    Key("connections.waiting", "w", "only_waiting", "Waiting", "show only sessions waiting on a lock",
        "connections", show=False),
    Key("connections.idle_xact", "x", "only_idle_xact", "Idle in xact",
        "show only sessions idle in a transaction", "connections", show=False),
    Key("connections.blocker", "b", "to_blocker", "Blocker", "jump from a waiting session to its blocker",
        "connections", show=False),
    Key("connections.cancel", "c", "cancel", "Cancel", "cancel the selected backend's query "
        "(pg_cancel_backend)", "connections", writes=True),
    Key("connections.terminate", "k", "terminate", "Kill", "terminate the selected backend "
        "(pg_terminate_backend)", "connections", writes=True),
    # locks
    Key("locks.blocker", "b", "to_blocker", "Blocker", "jump from a waiter to its blocker", "locks"),
    Key("locks.root", "B", "to_root", "Root", "jump to the root blocker of this chain", "locks", show=False),
    Key("locks.cancel", "c", "cancel", "Cancel", "cancel the selected session's query", "locks", writes=True),
    Key("locks.terminate", "k", "terminate", "Kill", "terminate the selected session (a root blocker "
        "releases its locks)", "locks", writes=True),
    # cache
    Key("cache.toggle", "t", "toggle_kind", "Tables/indexes", "switch between tables and indexes", "cache"),
    # statements
    Key("statements.interval", "i", "toggle_interval", "Interval",
        "switch between cumulative figures and the last interval", "statements"),
    Key("statements.own", "o", "toggle_own", "Own", "show or hide pgconsole's own statements (marked "
        "/* pgconsole */; hidden by default, here and in the findings)", "statements", show=False),
    Key("statements.explain", "e", "explain", "Explain", "EXPLAIN (GENERIC_PLAN) the selected statement (16+)",
        "statements"),
    Key("statements.reset", "R", "reset", "Reset", "reset pg_stat_statements (confirmed)", "statements",
        show=False, writes=True),
    # bloat
    Key("bloat.toggle", "t", "toggle_kind", "Tables/indexes", "switch between tables and indexes", "bloat"),
    Key("bloat.exact", "e", "exact", "Exact", "measure the selected table with pgstattuple (reads it all)",
        "bloat"),
    Key("bloat.vacuum", "v", "vacuum", "Vacuum", "VACUUM ANALYZE the selected table, with progress", "bloat",
        writes=True),
    Key("bloat.vacuum_db", "V", "vacuum_db", "Vacuum db", "VACUUM ANALYZE the whole database", "bloat",
        show=False, writes=True),
    # findings
    Key("findings.go", "g", "go_to", "Go to", "jump to the pane showing the selected finding's object "
        "(the blocked session, the bloated table...)", "findings"),
    Key("findings.info", "i", "toggle_info", "Info", "show or hide info findings", "findings"),
    Key("findings.recheck", "C", "recheck", "Recheck", "re-read the catalog for the index, sequence and XID "
        "checks now (they refresh every minute)", "findings", show=False),
    # replication & WAL
    Key("replication.view", "t", "next_view", "View", "next view: replication, xmin horizon, autovacuum, "
        "WAL and checkpoints, I/O", "replication"),
    Key("replication.view_back", "T", "prev_view", "Previous view", "the previous view", "replication", show=False),
    Key("replication.interval", "i", "toggle_interval", "Interval", "I/O: per second over the interval, or "
        "totals since the reset", "replication", show=False),
    Key("replication.cancel", "c", "cancel", "Cancel", "cancel the query of the session holding the horizon",
        "replication", show=False, writes=True),
    Key("replication.terminate", "k", "terminate", "Kill", "terminate the session holding the horizon",
        "replication", show=False, writes=True),
    Key("replication.end", "D", "end_holder", "Drop / roll back", "roll back the selected prepared transaction, "
        "or drop the selected unused replication slot (confirmed)", "replication", writes=True),
)

WRITES = frozenset(k.action for k in KEYS if k.writes)


def binding(k: Key) -> Binding:
    return Binding(k.key, k.action, k.label, show=k.show, id=k.id, key_display=k.display, tooltip=k.help,
                   priority=k.priority)


def bindings(scope: str) -> list[Binding]:
    return [binding(k) for k in KEYS if k.scope == scope]


def for_scope(scope: str) -> list[Key]:
    return [k for k in KEYS if k.scope == scope]


def pane_key(index: int, name: str, title: str) -> Key:
    """Number keys are made per registered pane (1 = the first)."""
    return Key(f"pane.{name}", str(index), f"show_pane('{name}')", title, f"show the {title} pane",
               "console", show=False)
