"""What a recording store is, whichever engine keeps it (an SQLite file, a PostgreSQL database).

Records are kept in time order per server. A keyframe stands alone; every other record
needs the keyframe before it and the records between: `chain(t)` gives exactly those
for the moment at or before t, `scan` gives them for a whole window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, AsyncIterator, Protocol

from ..errors import PgConsoleError

APP = "pgconsole-history"


class HistoryError(PgConsoleError):
    """A recording that cannot be read or written: one line for the user (exit 2)."""


class StoreFull(HistoryError):
    """No space left for the next record: the recording stops, what it holds is intact."""


@dataclass(frozen=True)
class Row:
    id: int
    at_us: int
    key: bool
    blob: bytes


@dataclass(frozen=True)
class ServerInfo:
    name: str
    target: str
    first_us: int | None
    last_us: int | None
    records: int


class Store(Protocol):
    """Reading one server's records."""

    server: ServerInfo
    format_version: int

    async def types(self) -> list[tuple[int, str, tuple[str, ...]]]: ...
    async def chain(self, at_us: int) -> list[Row]: ...
    def scan(self, from_us: int, to_us: int) -> AsyncIterator[list[Row]]: ...
    async def summaries(self, from_us: int, to_us: int) -> list[tuple[int, dict[str, Any]]]: ...
    async def offset(self, at_us: int, n: int) -> int | None: ...
    async def refresh(self) -> ServerInfo: ...
    async def close(self) -> None: ...


class Sink(Protocol):
    """Writing one server's records (one transaction each)."""

    where: str

    async def known_types(self) -> list[tuple[int, str, tuple[str, ...]]]: ...
    async def append(self, at_us: int, key: bool, blob: bytes, summary: dict[str, Any],
                     new_types: list[tuple[int, str, tuple[str, ...]]]) -> None: ...
    async def prune(self, now_us: int) -> int: ...
    async def size_bytes(self) -> int: ...
    async def close(self) -> None: ...


def is_uri(source: str) -> bool:
    return source.startswith(("postgresql://", "postgres://"))


def check_version(found: int | str | None, where: str, supported: int) -> int:
    try:
        v = int(found) if found is not None else None
    except (TypeError, ValueError):
        v = None
    if v is None:
        raise HistoryError(f"{where} is not a pgconsole recording (no format version)")
    if v > supported:
        raise HistoryError(f"{where} was written by a newer pgconsole (recording format {v}; "
                           f"this one reads up to {supported}): upgrade pgconsole to read it")
    return v
