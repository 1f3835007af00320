"""The health report as data: sections of facts and tables holding raw values.

Renderers (markdown, JSON, HTML) share this shape. Values stay raw (bytes as ints,
ratios as 0..1, ages in seconds) with a `kind` saying how to show them, so JSON keeps
numbers and the text forms format them one way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..findings.model import FindingsResult

Row = tuple[Any, ...]   # one row of a report table, its cells in the columns' order

# how a value is shown: text, int, num (float), bytes, ratio (0..1 as %), pct (already %),
# s (seconds, as an age), ms, ts (timestamp), bool, list
KINDS = frozenset({"text", "int", "num", "bytes", "ratio", "pct", "s", "ms", "ts", "bool", "list", "code"})


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    value: Any
    kind: str = "text"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str | None = None
    total: int | None = None   # rows there were before the top N were kept


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    measured_at: datetime | None
    method: str                       # how it was measured, in one or two sentences
    facts: tuple[Fact, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    unavailable: tuple[str, ...] = ()  # what could not be measured here, with the fix
    checks: tuple[str, ...] = ()       # the finding checks that belong to this section


@dataclass(frozen=True)
class Report:
    generated_at: datetime
    server: dict[str, Any] = field(hash=False)
    sections: tuple[Section, ...]
    findings: FindingsResult
    duration_s: float


def col(key: str, title: str | None = None, kind: str = "text") -> Column:
    assert kind in KINDS, kind
    return Column(key, title or key.replace("_", " "), kind)


def table(key: str, title: str, columns: list[Column], rows: list[Row], top: int | None = None,
          note: str | None = None) -> Table:
    total = len(rows)
    kept = rows[:top] if top is not None else rows
    return Table(key, title, tuple(columns), tuple(tuple(r) for r in kept), note,
                 total if top is not None and total > top else None)
