"""--infer across tables: where the schema makes a fact obvious, the data keeps it.

- A child's created_at-like column comes after its parent's (between the parent row's and
  the end of the generated range), through the first foreign key whose table has one.
- A column that holds the same key as a parent reachable through another foreign key
  (order_items.customer_id beside order_items.order_id -> orders.customer_id) takes it
  through that path, so both paths agree (same_as).

A relation is added only where no table would then depend on itself: the tables are
linked in an order that follows the foreign keys, cycles left as they were.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Callable

from .fields import FieldSpec
from .scenario import ColumnSpec, TableSpec
from .target import Target

F = FieldSpec
Fks = dict[str, list[tuple[str, str, str]]]   # table -> (fk column, parent table, parent column)
Reaches = Callable[[str, str], bool]


def relate(target: Target, tables: tuple[TableSpec, ...], created: str, end: dt.datetime) -> tuple[TableSpec, ...]:
    by_name = {t.name: t for t in tables}
    fks = _single_fks(target, by_name)
    links: dict[str, set[str]] = {t.name: set() for t in tables}   # table -> tables it now depends on

    def reaches(a: str, b: str) -> bool:
        seen: set[str] = set()
        todo = [a]
        while todo:
            x = todo.pop()
            if x == b:
                return True
            if x not in seen:
                seen.add(x)
                todo.extend(links[x])
        return False

    depth: dict[str, int] = {}

    def deep(name: str, trail: tuple[str, ...] = ()) -> int:   # how many tables above it: its created_at is the latest
        if name not in depth:
            ups = [deep(pt, trail + (name,)) for _, pt, _ in fks.get(name, ()) if pt not in trail + (name,)]
            depth[name] = 1 + max(ups, default=0)
        return depth[name]

    for t in tables:
        fks[t.name] = sorted(fks.get(t.name, ()), key=lambda f: -deep(f[1]))
    for t in tables:
        for c in t.columns:
            new = _same_key(t, c, fks, by_name, reaches, links)
            if new is not None:
                t = by_name[t.name] = _with(t, new)
        for c in t.columns:
            new = _after_parent(t, c, fks, by_name, reaches, links, created, end)
            if new is not None:
                t = by_name[t.name] = _with(t, new)
    return tuple(by_name[t.name] for t in tables)


def _with(t: TableSpec, col: ColumnSpec) -> TableSpec:
    return dataclasses.replace(t, columns=tuple(col if c.name == col.name else c for c in t.columns))


def _single_fks(target: Target, by_name: dict[str, TableSpec]) -> Fks:
    """table -> [(fk column, parent table, parent column)] for one-column keys inside the seed."""
    out: Fks = {}
    for c in target.constraints:
        if (c.type == "f" and len(c.columns) == 1 and c.table_schema == target.schema
                and c.ref_schema == target.schema and c.table_name in by_name and c.ref_table is not None and c.ref_table in by_name
                and c.ref_table != c.table_name):
            out.setdefault(c.table_name, []).append((c.columns[0], c.ref_table, c.ref_columns[0]))
    return out


def _is_ref(t: TableSpec, name: str) -> bool:
    c = t.column(name)
    return c is not None and c.spec.gen == "ref" and not c.spec.params.get("group")


def _same_key(t: TableSpec, c: ColumnSpec, fks: Fks, by_name: dict[str, TableSpec], reaches: Reaches,
              links: dict[str, set[str]]) -> ColumnSpec | None:
    mine = {fk: (pt, pc) for fk, pt, pc in fks.get(t.name, ())}
    if c.name not in mine or not _is_ref(t, c.name) or c.unique or c.name in t.primary_key \
            or any(c.name in u for u in t.unique):
        return None
    target = mine[c.name]
    for fk, ptable, _ in fks.get(t.name, ()):
        if fk == c.name or not _is_ref(t, fk) or reaches(ptable, t.name):
            continue
        parent = by_name[ptable]
        for pfk, pt2, pc2 in fks.get(ptable, ()):
            pcol = parent.column(pfk)
            if (pt2, pc2) == target and pcol is not None and pcol.type.family == c.type.family \
                    and (c.nullable or not pcol.nullable):
                links[t.name].add(ptable)
                return dataclasses.replace(c, spec=F("same_as", {"same_as": f"{fk}.{pfk}"}))
    return None


def _after_parent(t: TableSpec, c: ColumnSpec, fks: Fks, by_name: dict[str, TableSpec], reaches: Reaches,
                  links: dict[str, set[str]], created: str, end: dt.datetime) -> ColumnSpec | None:
    s = c.spec
    if s.gen != "timestamp" or c.type.family not in ("timestamp", "date") or "after" in s.params \
            or not re.search(created, c.name.lower()) or s.params.get("mode") != "recent":
        return None   # (only the rule's plain created_at: a CHECK's bounds or order stay as they are)
    for fk, ptable, _ in fks.get(t.name, ()):
        if not _is_ref(t, fk) or reaches(ptable, t.name):
            continue
        parent = by_name[ptable]
        pcol = next((x for x in parent.columns if x.spec.gen == "timestamp" and x.type.family == c.type.family
                     and re.search(created, x.name.lower())), None)
        if pcol is not None:
            links[t.name].add(ptable)
            return dataclasses.replace(c, spec=F("timestamp", {"between": [f"{fk}.{pcol.name}", end]}, null=s.null))
    return None
