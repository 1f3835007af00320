"""Load the SQL text for a query from pgconsole/sql/<name>/<version>.sql.

Each query is a folder; each file in it is named by the lowest version it needs
(server_version_num such as 130000, or an extension version such as 1.11). One rule
picks the file: the highest variant not above the running version.

Every statement pgconsole loads carries MARKER right after its first keyword, so its
own statements can be told apart in pg_stat_statements (which keeps comments inside a
statement but, from PostgreSQL 18, drops the ones before it). The demo's simulated
application (demo_*) is left unmarked: it is the workload the console is there to show.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from .errors import PgConsoleError

MARKER = "/* pgconsole */"
UNMARKED_PREFIX = "demo_"
# leading whitespace and comments, then the statement's first keyword
_FIRST_KEYWORD = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*[A-Za-z]+", re.DOTALL)


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


def mark(sql: str) -> str:
    """The statement with MARKER after its first keyword (where any comment is whitespace)."""
    m = _FIRST_KEYWORD.match(sql)
    return sql if m is None else f"{sql[:m.end()]} {MARKER}{sql[m.end():]}"


def is_own(query: str | None) -> bool:
    """True for a statement text pgconsole itself sent (as pg_stat_statements keeps it)."""
    return query is not None and MARKER in query


@functools.lru_cache(maxsize=None)
def _read(name: str, fname: str) -> str:
    text = (resources.files("pgconsole") / "sql" / name / fname).read_text(encoding="utf-8")
    return text if name.startswith(UNMARKED_PREFIX) else mark(text)


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
