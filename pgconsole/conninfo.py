"""Connection parameters resolved the way psql/libpq resolve them.

Order (highest first), as in libpq's conninfo_array_parse + conninfo_add_defaults:
  1. the conninfo string/URI given as DBNAME (psql passes it with expand_dbname,
     after -h/-p/-U/password, so its values override those options);
  2. -h/-p/-U/-d, the positional USER, a prompted password;
  3. the service file entry (service= or PGSERVICE), only for what is still unset;
  4. PG* environment variables, only for what is still unset;
  5. built-in defaults, applied late (describe/uri/asyncpg_kwargs/libpq_env) so they
     follow the final host/port: port 5432; host the first of /var/run/postgresql and
     /tmp holding .s.PGSQL.<port>, else localhost; user the OS user; database = user.
     ~/.pgpass (or PGPASSFILE/passfile=) is read then too, only if no password is set.

Multi-host lists ("h1,h2" or postgresql://h1,h2/db) keep only the first host and
port: the console watches one server.
"""

from __future__ import annotations

import getpass
import os
import pwd
import re
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote

from .conninfo_parse import KNOWN_KEYWORDS, URI_PREFIXES, parse_conninfo
from .errors import PgConsoleError
from .untrusted import say

_warned: set[str] = set()  # password files already warned about, once per process as libpq

_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_ENV = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER",
        "dbname": "PGDATABASE", "password": "PGPASSWORD", "passfile": "PGPASSFILE",
        "sslmode": "PGSSLMODE", "connect_timeout": "PGCONNECT_TIMEOUT", "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL"}
_SSL_FILES = ("sslrootcert", "sslcert", "sslkey", "sslcrl")
# Socket directories libpq builds use as DEFAULT_PGSOCKET_DIR (Debian, upstream).
_SOCKET_DIRS = ("/var/run/postgresql", "/tmp")
_SYSCONFDIR = "/etc/postgresql-common"  # Debian's compiled-in SYSCONFDIR


@dataclass(frozen=True)
class ConnParams:
    host: str | None = None          # hostname, IP, or Unix-socket directory (starts with '/')
    port: int | None = None
    user: str | None = None
    database: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    sslmode: str | None = None
    passfile: str | None = None      # resolved at resolve() time: passfile=, PGPASSFILE or ~/.pgpass
    connect_timeout: float | None = None
    service: str | None = None       # the service entry that contributed, for display only
    sslrootcert: str | None = None   # the ssl* files, as libpq names them (tls.py applies them)
    sslcert: str | None = None
    sslkey: str | None = None
    sslcrl: str | None = None

    def _final(self) -> tuple[str, int, str, str]:
        port = self.port or 5432
        host = self.host or _default_host(port)
        user = self.user or _os_user()
        return host, port, user, self.database or user

    def _password(self, host: str, port: int, database: str, user: str) -> str | None:
        if self.password:
            return self.password
        return _pgpass_lookup(self.passfile, host, port, database, user)

    def describe(self) -> str:
        host, port, user, db = self._final()
        if ":" in host and not host.startswith("/"):
            host = f"[{host}]"
        return f"{user}@{host}:{port}/{db}"

    def uri(self) -> str:
        """A postgresql:// URI for psql/pgbench; never carries the password."""
        host, port, user, db = self._final()
        query = []
        if host.startswith("/"):  # a socket directory cannot sit in the netloc
            query += [("host", host), ("port", str(port))]
            netloc = ""
        else:
            h = f"[{quote(host, safe=':')}]" if ":" in host else quote(host, safe="")
            netloc = f"{h}:{port}"
        if self.sslmode:
            query.append(("sslmode", self.sslmode))
        query += [(k, getattr(self, k)) for k in _SSL_FILES if getattr(self, k)]
        if self.connect_timeout:
            query.append(("connect_timeout", str(_int_timeout(self.connect_timeout))))
        qs = "&".join(f"{k}={quote(v, safe='/')}" for k, v in query)
        return f"postgresql://{quote(user, safe='')}@{netloc}/{quote(db, safe='')}" + (f"?{qs}" if qs else "")

    def has_password(self) -> bool:
        """A password is given or ~/.pgpass has one for this target."""
        host, port, user, db = self._final()
        return bool(self._password(host, port, db, user))

    def asyncpg_kwargs(self) -> dict[str, Any]:
        from .tls import asyncpg_ssl
        host, port, user, db = self._final()
        return {
            "host": host, "port": port, "user": user, "database": db,
            "password": self._password(host, port, db, user),
            "ssl": asyncpg_ssl(host, self.sslmode, rootcert=self.sslrootcert, cert=self.sslcert,
                               key=self.sslkey, crl=self.sslcrl),
            "timeout": self.connect_timeout or 60.0,  # asyncpg's own default
        }

    def libpq_env(self) -> dict[str, str]:
        """Environment for psql/pgbench subprocesses: secrets stay off the command line."""
        host, port, user, db = self._final()
        env = {"PGHOST": host, "PGPORT": str(port), "PGUSER": user, "PGDATABASE": db}
        password = self._password(host, port, db, user)
        if password:
            env["PGPASSWORD"] = password
        if self.sslmode:
            env["PGSSLMODE"] = self.sslmode
        env.update({_ENV[k]: getattr(self, k) for k in _SSL_FILES if getattr(self, k)})
        if self.connect_timeout:
            env["PGCONNECT_TIMEOUT"] = str(_int_timeout(self.connect_timeout))
        return env

    def with_database(self, db: str) -> "ConnParams":
        return replace(self, database=db)


def resolve(conninfo: str | None = None, user: str | None = None, *, host: str | None = None,
            port: int | str | None = None, username: str | None = None, dbname: str | None = None,
            password: str | None = None, env: Mapping[str, str] | None = None,
            home: str | Path | None = None) -> ConnParams:
    """Resolve psql's arguments: `conninfo` and `user` are its DBNAME and USERNAME
    positionals; the keywords are -h/-p/-U/-d and a prompted (-W) password.
    `env` and `home` default to os.environ and $HOME."""
    env = os.environ if env is None else env
    for arg in (conninfo, user):  # psql: positionals fill -d, then -U, if still unset
        if arg is not None:
            if dbname is None:
                dbname = arg
            elif username is None:
                username = arg
    # libpq ignores empty option values, but an empty value inside a conninfo string
    # or service file counts as set: it blocks the environment and means "default"
    opts = {k: str(v) for k, v in (("host", host), ("port", port), ("user", username),
                                   ("password", password)) if v not in (None, "")}
    if dbname:  # psql passes it with expand_dbname: a URI or a string with '=' is parsed
        opts.update(parse_conninfo(dbname) if dbname.startswith(URI_PREFIXES) or "=" in dbname
                    else {"dbname": dbname})
    service = opts.get("service") or env.get("PGSERVICE")
    if service:
        for key, val in _service_entry(service, opts.get("servicefile"), env, home).items():
            opts.setdefault(key, val)
    for key, var in _ENV.items():
        if env.get(var) and key not in opts:
            opts[key] = env[var]

    def get(key: str) -> str | None:
        return opts.get(key) or None

    sslmode = get("sslmode")
    if sslmode is not None and sslmode not in _SSLMODES:
        raise PgConsoleError(f'invalid sslmode value: "{sslmode}"')
    return ConnParams(
        host=(get("host") or get("hostaddr") or "").split(",")[0] or None,
        port=_port(get("port")),
        user=get("user"),
        database=get("dbname"),
        password=get("password"),
        sslmode=sslmode,
        passfile=get("passfile") or str(_home(home, env) / ".pgpass"),
        connect_timeout=_timeout(get("connect_timeout")),
        service=service or None,
        **{k: get(k) for k in _SSL_FILES},
    )


def _port(val: str | None) -> int | None:
    first = (val or "").split(",")[0].strip()  # first of a multi-host list
    if first and not (first.isdigit() and 1 <= int(first) <= 65535):
        raise PgConsoleError(f'invalid port number: "{val}"')
    return int(first) if first else None


def _timeout(val: str | None) -> float | None:
    try:
        t = float(val) if val is not None else 0.0
    except ValueError:
        raise PgConsoleError(f'invalid connect_timeout value: "{val}"') from None
    # libpq: zero or negative waits forever (we leave the caller's default instead),
    # and anything shorter than 2 s is raised to 2 s
    return None if t <= 0 else max(t, 2.0)


def _int_timeout(t: float) -> int:
    return max(2, int(-(-t // 1)))  # libpq takes whole seconds; round up


# --- files and defaults ----------------------------------------------------------------

def _home(home: str | Path | None, env: Mapping[str, str]) -> Path:
    # libpq: $HOME, else the passwd entry of the effective user
    return Path(home if home is not None else env.get("HOME") or pwd.getpwuid(os.geteuid()).pw_dir)


def _service_entry(name: str, servicefile: str | None, env: Mapping[str, str],
                   home: str | Path | None) -> dict[str, str]:
    # libpq: the user file (servicefile=, PGSERVICEFILE or ~/.pg_service.conf) first;
    # the system file (PGSYSCONFDIR, else the compiled-in directory) only if the
    # service is not in it; the first file that has the section wins outright.
    user_file = servicefile or env.get("PGSERVICEFILE") or str(_home(home, env) / ".pg_service.conf")
    sys_file = os.path.join(env.get("PGSYSCONFDIR") or _SYSCONFDIR, "pg_service.conf")
    for path in (user_file, sys_file):
        entry = _read_service(path, name)
        if entry is not None:
            return entry
    raise PgConsoleError(f'definition of service "{name}" not found (searched {user_file}, {sys_file})')


def _read_service(path: str, name: str) -> dict[str, str] | None:
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise PgConsoleError(f'cannot read service file "{path}": {exc.strerror}') from None
    entry: dict[str, str] | None = None
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            if entry is not None:
                break  # end of our section
            entry = {} if line[1:].startswith(name + "]") else None
        elif entry is not None:
            key, eq, val = line.partition("=")
            where = f'in service file "{path}", line {lineno}'
            if not eq or key.strip() not in KNOWN_KEYWORDS:
                raise PgConsoleError(f"syntax error {where}")
            if key.strip() == "service":
                raise PgConsoleError(f"nested service specifications not supported {where}")
            entry.setdefault(key.strip(), val.strip())  # libpq keeps the first setting
    return entry


def _pgpass_fields(line: str, tokens: tuple[str, ...]) -> int | None:
    """The index past the first fields of `line` if they match `tokens`, one each."""
    i = 0
    for token in tokens:
        after = _pgpass_field(line, i, token)
        if after is None:
            return None
        i = after
    return i


def _pgpass_field(line: str, i: int, token: str) -> int | None:
    """libpq's pwdfMatchesString: the index past this field if it matches token.
    '*' alone is a wildcard; '\\' escapes the next character (':' or '\\')."""
    if line.startswith("*:", i):
        return i + 2
    k = 0
    while i < len(line):
        esc = line[i] == "\\"
        i += esc
        c = line[i:i + 1]
        if c == ":" and k == len(token) and not esc:
            return i + 1
        if k == len(token) or c != token[k]:
            return None
        i, k = i + 1, k + 1
    return None


def _pgpass_lookup(passfile: str | None, host: str, port: int, database: str, user: str) -> str | None:
    if not passfile:   # no file to read (os.stat("") fails too)
        return None
    try:
        st = os.stat(passfile)
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):  # libpq ignores it too, with this warning
            if passfile not in _warned:
                _warned.add(passfile)
                say(f'pgconsole: warning: password file "{passfile}" has group or world access; '
                    'permissions should be u=rw (0600) or less: it is ignored', file=sys.stderr)
            return None
        text = Path(passfile).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # libpq matches "localhost" for its default socket directory; we accept both spellings
    hosts = (host, "localhost") if host in _SOCKET_DIRS or host == "/run/postgresql" else (host,)
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith("#"):
            continue
        for h in hosts:
            i = _pgpass_fields(line, (h, str(port), database, user))
            if i is not None:
                # the password runs to the next unescaped ':'; a trailing '\' stays
                pw_match = re.match(r"(?:[^:\\]|\\.|\\$)*", line[i:], re.S)
                assert pw_match is not None   # it matches zero characters too
                pw = pw_match.group()
                return re.sub(r"\\(.)", r"\1", pw, flags=re.S) or None
    return None


def _default_host(port: int) -> str:
    for d in _SOCKET_DIRS:
        if os.path.exists(os.path.join(d, f".s.PGSQL.{port}")):
            return d
    return "localhost"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no LOGNAME/USER and no passwd entry (some containers)
        raise PgConsoleError("cannot determine the operating-system user name; use -U") from None
