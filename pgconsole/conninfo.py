"""Connection parameters resolved the way psql/libpq resolve them.

Order (highest first), as in libpq's conninfo_array_parse + conninfo_add_defaults:
  1. the conninfo string/URI given as DBNAME (psql passes it with expand_dbname,
     after -h/-p/-U/password, so its values override those options);
  2. -h/-p/-U/-d, the positional USER, a prompted password;
  3. the service file entry (service= or PGSERVICE), only for what is still unset;
  4. PG* environment variables, only for what is still unset;
  5. built-in defaults, applied late (describe/uri/asyncpg_kwargs/libpq_env) so they
     follow the final host/port; pgpass is consulted at that point too.

Multi-host lists ("h1,h2" or postgresql://h1,h2/db) keep only the first host and
port: the console watches one server.
"""

from __future__ import annotations

import getpass
import logging
import os
import pwd
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import quote, unquote_to_bytes

from .errors import PgConsoleError, scrub

log = logging.getLogger(__name__)

# Keywords libpq accepts; those not in _USED are accepted and ignored (the console
# sets its own application_name, and asyncpg has no use for the Kerberos/SSL-file ones).
_KNOWN = frozenset("""
    host hostaddr port dbname user password passfile connect_timeout sslmode service
    servicefile application_name fallback_application_name client_encoding options
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    sslcert sslkey sslrootcert sslcrl sslcrldir sslpassword sslcompression sslsni
    sslnegotiation sslcertmode ssl_min_protocol_version ssl_max_protocol_version
    requirepeer require_auth channel_binding gssencmode gsslib gssdelegation
    krbsrvname target_session_attrs load_balance_hosts replication
    min_protocol_version max_protocol_version
""".split())
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
_ENV = {"host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "user": "PGUSER",
        "dbname": "PGDATABASE", "password": "PGPASSWORD", "passfile": "PGPASSFILE",
        "sslmode": "PGSSLMODE", "connect_timeout": "PGCONNECT_TIMEOUT"}
# Socket directories libpq builds use as DEFAULT_PGSOCKET_DIR (Debian, upstream).
_SOCKET_DIRS = ("/var/run/postgresql", "/tmp")
_SYSCONFDIR = "/etc/postgresql-common"  # Debian's compiled-in SYSCONFDIR
_URI_PREFIXES = ("postgresql://", "postgres://")


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
        if self.connect_timeout:
            query.append(("connect_timeout", str(_int_timeout(self.connect_timeout))))
        qs = "&".join(f"{k}={quote(v, safe='/')}" for k, v in query)
        return f"postgresql://{quote(user, safe='')}@{netloc}/{quote(db, safe='')}" + (f"?{qs}" if qs else "")

    def asyncpg_kwargs(self) -> dict:
        host, port, user, db = self._final()
        return {
            "host": host, "port": port, "user": user, "database": db,
            "password": self._password(host, port, db, user),
            # asyncpg takes libpq's sslmode names; "prefer" is libpq's default
            "ssl": self.sslmode or "prefer",
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
        if self.connect_timeout:
            env["PGCONNECT_TIMEOUT"] = str(_int_timeout(self.connect_timeout))
        return env

    def with_database(self, db: str) -> "ConnParams":
        return replace(self, database=db)


def resolve(conninfo: str | None = None, user: str | None = None, *, host: str | None = None,
            port: int | str | None = None, username: str | None = None, dbname: str | None = None,
            password: str | None = None, env: Mapping[str, str] | None = None,
            home: str | Path | None = None) -> ConnParams:
    """Resolve psql-style arguments: `conninfo` and `user` are psql's DBNAME and USERNAME
    positionals, the keywords its -h/-p/-U/-d options and a prompted password."""
    env = os.environ if env is None else env
    # psql: positionals fill dbname first, then username, unless -d/-U already did
    for arg in (conninfo, user):
        if arg is None:
            continue
        if dbname is None:
            dbname = arg
        elif username is None:
            username = arg
    opts: dict[str, str] = {}
    for key, val in (("host", host), ("port", port), ("user", username), ("password", password)):
        if val not in (None, ""):
            opts[key] = str(val)
    if dbname:
        if _is_conninfo(dbname):
            opts.update(parse_conninfo(dbname))
        else:
            opts["dbname"] = dbname
    opts = {k: v for k, v in opts.items() if v != ""}  # libpq: empty means "use the default"

    service = opts.get("service") or env.get("PGSERVICE") or None
    if service:
        for key, val in _service_entry(service, opts.get("servicefile"), env, home).items():
            opts.setdefault(key, val)
    for key, var in _ENV.items():
        if env.get(var) and key not in opts:
            opts[key] = env[var]

    if "host" not in opts and "hostaddr" in opts:
        opts["host"] = opts["hostaddr"]
    sslmode = opts.get("sslmode")
    if sslmode is not None and sslmode not in _SSLMODES:
        raise PgConsoleError(f'invalid sslmode value: "{sslmode}"')
    host = opts.get("host", "").split(",")[0] or None  # first of a multi-host list
    return ConnParams(
        host=host,
        port=_port(opts["port"]) if "port" in opts else None,
        user=opts.get("user"),
        database=opts.get("dbname"),
        password=opts.get("password"),
        sslmode=sslmode,
        passfile=opts.get("passfile") or str(_home(home, env) / ".pgpass"),
        connect_timeout=_timeout(opts["connect_timeout"]) if "connect_timeout" in opts else None,
        service=service,
    )


# --- parsing -------------------------------------------------------------------------

def _is_conninfo(s: str) -> bool:
    # libpq's recognized_connection_string()
    return s.startswith(_URI_PREFIXES) or "=" in s


def _bad(detail: str, text: str) -> PgConsoleError:
    return PgConsoleError(f'invalid connection string: {detail} in "{scrub_conninfo(text)}"')


_KW_PASSWORD_RE = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.?)*'?|(?:[^\s\\]|\\.?)*)", re.I)
_QS_PASSWORD_RE = re.compile(r"([?&]password=)[^&]*", re.I)


def scrub_conninfo(text: str) -> str:
    """Hide the password in a keyword string or URI, including unterminated quotes."""
    if text.startswith(_URI_PREFIXES):
        scheme, rest = text.split("://", 1)
        at, slash = rest.find("@"), rest.find("/")
        if at >= 0 and (slash < 0 or at < slash) and ":" in rest[:at]:
            rest = rest[:rest.index(":")] + ":***" + rest[at:]
        return scrub(_QS_PASSWORD_RE.sub(r"\1***", f"{scheme}://{rest}"))
    return scrub(_KW_PASSWORD_RE.sub(r"\1***", text))


# libpq's conninfo_parse: key [ws] = [ws] value, the value either 'quoted' or bare
# up to whitespace; in both a backslash takes the next character literally.
_KW_RE = re.compile(r"\s*([^=\s]*)\s*(=?)\s*(?:'((?:[^'\\]|\\.)*)(')?|((?:[^\s\\]|\\.|\\$)*))", re.S)


def _unescape(s: str) -> str:
    return re.sub(r"\\(.?)", r"\1", s, flags=re.S) if "\\" in s else s


def parse_conninfo(text: str) -> dict[str, str]:
    """Parse a libpq keyword string or a postgresql:// URI into keyword -> value."""
    if text.startswith(_URI_PREFIXES):
        return _parse_uri(text)
    out: dict[str, str] = {}
    pos = 0
    while text[pos:].strip():
        m = _KW_RE.match(text, pos)
        key, eq, quoted, close, bare = m.groups()
        if not eq:
            raise _bad(f'missing "=" after "{key}"', text)
        if quoted is not None and not close:
            raise _bad("unterminated quoted string", text)
        _store(out, key, _unescape(quoted if quoted is not None else bare), text,
               f'invalid connection option "{key}"')
        pos = m.end()
    return out


def _store(out: dict[str, str], key: str, val: str, text: str, unknown: str) -> None:
    if key == "requiressl":  # deprecated spelling, translated as libpq does
        key, val = "sslmode", "require" if val.startswith("1") else "prefer"
    if key not in _KNOWN:
        raise _bad(unknown, text)
    out[key] = val  # later settings win, as in libpq


def _pct(s: str, text: str) -> str:
    """Decode one URI component as libpq's conninfo_uri_decode: strict %XX, no '+',
    surrounding spaces dropped, inner spaces refused."""
    s = s.strip(" ")
    if " " in s:
        raise _bad("unexpected spaces found (use %20)", text)
    if re.search(r"%(?![0-9a-fA-F]{2})", s):
        raise _bad("invalid percent-encoded token", text)
    if "%00" in s:  # every '%' now starts a token, so this is one
        raise _bad("forbidden value %00 in percent-encoded value", text)
    try:
        return unquote_to_bytes(s).decode()
    except UnicodeDecodeError:
        raise _bad("percent-encoded value is not valid UTF-8", text) from None


def _parse_uri(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    p = text.split("://", 1)[1]
    # userinfo ends at the first '@' seen before any '/' (libpq's rule)
    j = 0
    while j < len(p) and p[j] not in "@/":
        j += 1
    if j < len(p) and p[j] == "@":
        user, _, pw = p[:j].partition(":")
        if user:
            out["user"] = _pct(user, text)
        if pw:
            out["password"] = _pct(pw, text)
        p = p[j + 1:]
    # netloc[:port][,netloc[:port]...]; like libpq, the pieces are joined with ','
    # and decoded as one value (resolve() keeps the first host and port)
    hosts, ports = [], []
    while True:
        if p.startswith("["):
            end = p.find("]")
            if end < 0:
                raise _bad('missing "]" after IPv6 host address', text)
            if end == 1:
                raise _bad("IPv6 host address may not be empty", text)
            h, p = p[1:end], p[end + 1:]
            if p and p[0] not in ":/?,":
                raise _bad(f'unexpected character "{p[0]}" after IPv6 host address', text)
        else:
            k = 0
            while k < len(p) and p[k] not in ":/?,":
                k += 1
            h, p = p[:k], p[k:]
        prt = ""
        if p.startswith(":"):
            k = 1
            while k < len(p) and p[k] not in "/?,":
                k += 1
            prt, p = p[1:k], p[k:]
        hosts.append(h)
        ports.append(prt)
        if not p.startswith(","):
            break
        p = p[1:]
    for key, joined in (("host", ",".join(hosts)), ("port", ",".join(ports))):
        if joined:
            out[key] = _pct(joined, text)
    if p.startswith("/"):
        db, _, query = p[1:].partition("?")
        if db:
            out["dbname"] = _pct(db, text)
    else:
        query = p[1:]  # p is "" or starts with "?"
    items = query.split("&") if query else []
    if len(items) > 1 and not items[-1]:
        items.pop()  # a trailing '&' is allowed
    for item in items:
        key, eq, val = item.partition("=")
        if not eq:
            raise _bad('missing key/value separator "=" in URI query parameter', text)
        if "=" in val:
            raise _bad('extra key/value separator "=" in URI query parameter', text)
        key, val = _pct(key, text), _pct(val, text)
        if key == "ssl" and val == "true":  # JDBC spelling, which libpq also accepts
            key, val = "sslmode", "require"
        _store(out, key, val, text, f'invalid URI query parameter "{key}"')
    return out


def _port(val: str) -> int | None:
    first = val.split(",")[0].strip()
    if not first:
        return None
    if not first.isdigit() or not 1 <= int(first) <= 65535:
        raise PgConsoleError(f'invalid port number: "{val}"')
    return int(first)


def _timeout(val: str) -> float | None:
    try:
        t = float(val)
    except ValueError:
        raise PgConsoleError(f'invalid connect_timeout value: "{val}"') from None
    # libpq: zero or negative waits forever (we leave the caller's default instead),
    # and anything shorter than 2 s is raised to 2 s
    return None if t <= 0 else max(t, 2.0)


def _int_timeout(t: float) -> int:
    return max(2, int(-(-t // 1)))  # libpq takes whole seconds; round up


# --- files and defaults ----------------------------------------------------------------

def _home(home: str | Path | None, env: Mapping[str, str]) -> Path:
    if home is not None:
        return Path(home)
    if env.get("HOME"):
        return Path(env["HOME"])
    return Path(pwd.getpwuid(os.geteuid()).pw_dir)


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
            if line[1:].startswith(name + "]"):
                entry = {}
            continue
        if entry is None:
            continue
        key, eq, val = line.partition("=")
        key = key.strip()
        if not eq or key not in _KNOWN:
            raise PgConsoleError(f'syntax error in service file "{path}", line {lineno}')
        if key == "service":
            raise PgConsoleError(f'nested service specifications not supported in service file "{path}", line {lineno}')
        entry.setdefault(key, val.strip())  # libpq keeps the first setting
    return entry


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
    if not passfile:
        return None
    try:
        st = os.stat(passfile)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        # libpq ignores such a file (with this warning), and so do we
        log.warning('password file "%s" has group or world access; permissions should be u=rw (0600) or less', passfile)
        return None
    # libpq matches "localhost" for its default socket directory; we accept both spellings
    hosts = (host, "localhost") if host in _SOCKET_DIRS or host == "/run/postgresql" else (host,)
    try:
        text = Path(passfile).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line.startswith("#"):
            continue
        for h in hosts:
            i: int | None = 0
            for token in (h, str(port), database, user):
                if (i := _pgpass_field(line, i, token)) is None:
                    break
            else:
                # the password runs to the next unescaped ':'; a trailing '\' stays
                pw = re.match(r"(?:[^:\\]|\\.|\\$)*", line[i:], re.S).group()
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
