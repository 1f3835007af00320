"""Load the SQL text for a query from pgconsole/sql/<name>/<version>.sql.

Each query is a folder; each file in it is named by the lowest version it needs
(server_version_num such as 130000, or an extension version such as 1.11). One rule
picks the file: the highest variant not above the running version.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from .errors import PgConsoleError


def _version_key(stem: str) -> tuple[int, ...]:
    return tuple(int(p) for p in stem.split("."))


@functools.lru_cache(maxsize=None)
def variants(name: str) -> tuple[tuple[tuple[int, ...], str], ...]:
    """All (version, filename) variants of a query, lowest first."""
    folder = resources.files("pgconsole") / "sql" / name
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            out.append((_version_key(entry.name[:-4]), entry.name))
    if not out:
        raise PgConsoleError(f"internal: no SQL variants for {name!r}")
    return tuple(sorted(out))


def pick(name: str, version: tuple[int, ...] | int) -> str:
    """Filename of the variant for `version` (highest variant <= version)."""
    if isinstance(version, int):
        version = (version,)
    chosen = None
    for key, fname in variants(name):
        if key <= version:
            chosen = fname
    if chosen is None:
        lowest = ".".join(map(str, variants(name)[0][0]))
        raise PgConsoleError(f"{name}: needs version {lowest} or later")
    return chosen


@functools.lru_cache(maxsize=None)
def _read(name: str, fname: str) -> str:
    return (resources.files("pgconsole") / "sql" / name / fname).read_text(encoding="utf-8")


def load(name: str, version: tuple[int, ...] | int) -> str:
    return _read(name, pick(name, version))


def all_queries() -> list[str]:
    root = resources.files("pgconsole") / "sql"
    return sorted(e.name for e in root.iterdir() if e.is_dir() and not e.name.startswith("_"))


def parse_version(text: str) -> tuple[int, ...]:
    """'1.10' -> (1, 10); tolerant of suffixes such as '1.11beta'."""
    parts = []
    for p in text.split("."):
        m = re.match(r"\d+", p)
        if not m:
            break
        parts.append(int(m.group()))
        if m.end() < len(p):  # a suffix such as 'beta1' ends the version
            break
    return tuple(parts) or (0,)
