"""Widgets of the console. Importing this package registers the panes, in number-key order.

A new pane: add its module name to PANE_MODULES (see pane.py for the contract).
"""

from importlib import import_module

PANE_MODULES = ("connections", "locks", "cache", "statements", "bloat", "findings", "replication")

for _name in PANE_MODULES:
    import_module(f"{__name__}.{_name}")
