"""What to run: the settings of a pgbench run, and the argv/environment built from them.

Connection details go to pgbench through the environment (PGHOST, PGPASSWORD, ...),
never on its command line, where `ps` would show them to every local user.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..conninfo import ConnParams
from ..errors import PgConsoleError

APP_NAME = "pgconsole-bench"
DEFAULT_DURATION_S = 10
BUILTINS = ("tpcb-like", "simple-update", "select-only")
# tables each builtin script touches (pgbench also counts pgbench_branches for the scale)
BUILTIN_TABLES = {
    "tpcb-like": ("pgbench_accounts", "pgbench_branches", "pgbench_history", "pgbench_tellers"),
    "simple-update": ("pgbench_accounts", "pgbench_branches", "pgbench_history"),
    "select-only": ("pgbench_accounts", "pgbench_branches"),
}
PGBENCH_TABLES = ("pgbench_accounts", "pgbench_branches", "pgbench_history", "pgbench_tellers")

# options that would point pgbench elsewhere or change its mode: pgconsole owns these
_REFUSED_EXTRA = {"-h", "--host", "-p", "--port", "-U", "--username", "-d", "--dbname",
                  "-i", "--initialize", "-I", "--init-steps", "-V", "--version", "-?", "--help"}
# libpq variables that would override what ConnParams resolved (a service entry wins
# over PGHOST in libpq, so it must not leak through)
_TARGET_ENV = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSERVICE",
               "PGSERVICEFILE", "PGAPPNAME", "PGSSLMODE", "PGCONNECT_TIMEOUT", "PGREQUIRESSL",
               "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSSLCRL")


@dataclass(frozen=True)
class BenchConfig:
    """A pgbench run as the user asked for it (CLI flags or the console's Load screen)."""

    clients: int = 1
    jobs: int = 1
    duration_s: int | None = None      # -T (10 s when neither this nor transactions is set)
    transactions: int | None = None    # -t, per client
    rate: float | None = None          # -R, total transactions per second
    builtin: str | None = "tpcb-like"  # -b; None when scripts are given
    scripts: tuple[str, ...] = ()      # -f FILE[@WEIGHT]
    scale: int | None = None           # -s: for --init (and custom scripts' :scale)
    init: bool = False                 # run `pgbench -i` first
    init_only: bool = False            # ... and nothing else
    force: bool = False                # let --init drop existing pgbench_* tables
    progress_s: int = 1                # -P
    extra_args: tuple[str, ...] = field(default_factory=tuple)

    def validate(self) -> None:
        if self.clients < 1:
            raise PgConsoleError("--clients must be at least 1")
        if self.jobs < 1:
            raise PgConsoleError("--jobs must be at least 1")
        if self.jobs > self.clients:
            raise PgConsoleError(f"--jobs ({self.jobs}) cannot exceed --clients ({self.clients})")
        if self.duration_s is not None and self.transactions is not None:
            raise PgConsoleError("give --duration or --transactions, not both")
        if self.duration_s is not None and self.duration_s < 1:
            raise PgConsoleError("--duration must be at least 1 second")
        if self.transactions is not None and self.transactions < 1:
            raise PgConsoleError("--transactions must be at least 1")
        if self.rate is not None and not self.rate > 0:
            raise PgConsoleError("--rate must be a positive number of transactions per second")
        if self.scale is not None and self.scale < 1:
            raise PgConsoleError("--scale must be at least 1")
        if self.progress_s < 1:
            raise PgConsoleError("the progress interval must be at least 1 second")
        if self.scale is not None and self.builtin and not self.init:
            raise PgConsoleError("--scale applies with --init (the builtin scripts read the scale "
                                 "from pgbench_branches)")
        if self.builtin and self.scripts:
            raise PgConsoleError("give --builtin or --script, not both")
        if self.builtin and self.builtin not in BUILTINS:
            raise PgConsoleError(f"unknown builtin script {self.builtin!r}: choose from {', '.join(BUILTINS)}")
        for s in self.scripts:
            path = script_path(s)
            if not Path(path).is_file():
                raise PgConsoleError(f"script file not found: {path}")
            if not os.access(path, os.R_OK):
                raise PgConsoleError(f"script file is not readable: {path}")
        for a in self.extra_args:
            name = a.split("=", 1)[0]
            if name in _REFUSED_EXTRA or (a[:2] in ("-h", "-p", "-U", "-d", "-I") and not a.startswith("--")):
                raise PgConsoleError(f"pgbench option {name} is set by pgconsole: use pgconsole's own "
                                     f"connection options and --init instead")

    @property
    def run_seconds(self) -> int | None:
        """The -T the run gets; None when it runs a number of transactions instead."""
        if self.transactions is not None:
            return None
        return self.duration_s or DEFAULT_DURATION_S

    @property
    def needs_tables(self) -> tuple[str, ...]:
        """pgbench tables the run itself needs (none known for custom scripts)."""
        return BUILTIN_TABLES.get(self.builtin or "", ())


def script_path(spec: str) -> str:
    """'file.sql@5' -> 'file.sql' (pgbench's weight suffix), unless the file itself has an '@'."""
    if "@" in spec and not Path(spec).exists():
        head, _, weight = spec.rpartition("@")
        if weight.isdigit():
            return head
    return spec


def init_argv(pgbench: str, cfg: BenchConfig) -> list[str]:
    # pgbench -i drops and recreates the tables; the caller checked --force already
    return [pgbench, "-i", "-s", str(cfg.scale or 1)]


def run_argv(pgbench: str, cfg: BenchConfig) -> list[str]:
    argv = [pgbench, "-c", str(cfg.clients), "-j", str(cfg.jobs), "-P", str(cfg.progress_s)]
    if cfg.transactions is not None:
        argv += ["-t", str(cfg.transactions)]
    else:
        argv += ["-T", str(cfg.run_seconds)]
    if cfg.rate is not None:
        argv += ["-R", f"{cfg.rate:g}"]
    if cfg.scripts:
        for s in cfg.scripts:
            argv += ["-f", s]
        if cfg.scale is not None:
            argv += ["-s", str(cfg.scale)]
    else:
        argv += ["-b", cfg.builtin or "tpcb-like"]
    argv += list(cfg.extra_args)
    return argv


def child_env(params: ConnParams, base: dict[str, str] | None = None, *, lock_timeout_ms: int | None = None,
              server_version_num: int = 0) -> dict[str, str]:
    """The environment pgbench runs in: the caller's, minus libpq target variables, plus
    the resolved connection (password included) and application_name.

    Its sessions get pgconsole's lock_timeout (pgbench's start-up VACUUM of pgbench_tellers
    would otherwise wait forever behind a SHARE lock) and, from 14, a check that the client
    is still there (so a session stuck in a statement ends soon after pgbench is stopped),
    through PGOPTIONS; the caller's own PGOPTIONS come after, and so win."""
    env = dict(os.environ if base is None else base)
    for k in _TARGET_ENV:
        env.pop(k, None)
    env.update(params.libpq_env())
    env["PGAPPNAME"] = APP_NAME
    opts = []
    if lock_timeout_ms:
        opts.append(f"-c lock_timeout={int(lock_timeout_ms)}")
    if server_version_num >= 140000:
        opts.append("-c client_connection_check_interval=1000")
    if opts:
        env["PGOPTIONS"] = " ".join(opts + ([env["PGOPTIONS"]] if env.get("PGOPTIONS") else []))
    # pgbench's report is parsed: keep its numbers and words in the C locale
    lc_all = env.pop("LC_ALL", None)
    if lc_all and "LANG" not in env:
        env["LANG"] = lc_all
    env["LC_NUMERIC"] = "C"
    env["LC_MESSAGES"] = "C"
    return env
