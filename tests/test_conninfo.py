"""pgconsole.conninfo: psql/libpq connection-parameter resolution. Pure: no server.

Every resolve() gets env= and home= explicitly so the real environment, ~/.pgpass
and ~/.pg_service.conf never leak in. Expected values were checked against libpq
(PQconninfoParse / PQconnectStartParams) where libpq has an opinion.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgconsole import conninfo
from pgconsole.conninfo import ConnParams, parse_conninfo, resolve
from pgconsole.errors import PgConsoleError

SECRET = "s3cr3t-Pw"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    # default socket directories and the OS user must not come from this machine
    monkeypatch.setattr(conninfo, "_SOCKET_DIRS", (str(tmp_path / "varrun"), str(tmp_path / "tmp")))
    monkeypatch.setattr(conninfo, "_SYSCONFDIR", str(tmp_path / "nosysconf"))
    monkeypatch.setattr(conninfo.getpass, "getuser", lambda: "osuser")


@pytest.fixture
def home(tmp_path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def res(*args, env=None, home=None, **kw) -> ConnParams:
    return resolve(*args, env=env or {}, home=home or "/nonexistent-home", **kw)


def write_pgpass(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


def fields(p: ConnParams) -> tuple:
    return (p.host, p.port, p.user, p.database)


# --- forms -------------------------------------------------------------------------

def test_nothing_given_means_libpq_defaults():
    p = res()
    assert fields(p) == (None, None, None, None)
    k = p.asyncpg_kwargs()
    assert (k["host"], k["port"], k["user"], k["database"]) == ("localhost", 5432, "osuser", "osuser")
    assert k["password"] is None and k["ssl"] == "prefer"


def test_bare_dbname():
    assert fields(res("app")) == (None, None, None, "app")


def test_uri_full():
    p = res("postgresql://alice:pw@db.example:6543/sales?sslmode=require&connect_timeout=7&application_name=x")
    assert fields(p) == ("db.example", 6543, "alice", "sales")
    assert p.password == "pw" and p.sslmode == "require" and p.connect_timeout == 7


def test_uri_postgres_scheme_and_no_path():
    assert fields(res("postgres://bob@h")) == ("h", None, "bob", None)
    assert fields(res("postgresql://")) == (None, None, None, None)


def test_uri_percent_decoding():
    p = res("postgresql://us%40er:p%3Aw%2F%25@h/my%20db")
    assert p.user == "us@er" and p.password == "p:w/%" and p.database == "my db"
    assert res("postgresql://h/a+b").database == "a+b"  # '+' is not a space in libpq


def test_uri_ipv6():
    p = res("postgresql://[::1]:5433/db")
    assert (p.host, p.port) == ("::1", 5433)
    assert p.describe() == "osuser@[::1]:5433/db"
    assert res("postgresql://[fe80::1%25eth0]/db").host == "fe80::1%eth0"


def test_uri_socket_directory_as_query_or_encoded_host():
    assert fields(res("postgresql:///app?host=/tmp/sock&port=5499")) == ("/tmp/sock", 5499, None, "app")
    assert res("postgresql://%2Fvar%2Frun%2Fpostgresql/app").host == "/var/run/postgresql"
    # query parameters are applied after the netloc, so they win
    assert fields(res("postgresql://u@h:1/d?host=/s&port=2&user=v&dbname=e")) == ("/s", 2, "v", "e")


def test_uri_query_extras():
    assert res("postgresql://h/d?ssl=true").sslmode == "require"  # JDBC spelling
    assert res("postgresql://h/d?requiressl=1").sslmode == "require"
    assert res("postgresql://h/d?sslmode=disable&").sslmode == "disable"  # trailing '&' is fine
    assert res("postgresql://h/d?service=").service is None
    p = res("postgresql://h/d?password=pa%20ss")
    assert p.password == "pa ss"


def test_uri_multi_host_keeps_first():
    p = res("postgresql://h1:5433,h2:5434/db")
    assert (p.host, p.port) == ("h1", 5433)
    p = res("postgresql://h1,h2:7/db")
    assert (p.host, p.port) == ("h1", None)
    assert res(host="a,b", port="5,6").port == 5


def test_keyword_string_quoting_and_escapes():
    p = res(r"host=db.example  dbname='my db' user = x password='a\'b\\c' port=5433")
    assert fields(p) == ("db.example", 5433, "x", "my db")
    assert p.password == "a'b\\c"
    assert res(r"dbname=a\ b").database == "a b"  # backslash quotes outside quotes too
    assert res("dbname=''").database is None  # empty: the default
    assert res("user=a user=b").user == "b"  # later settings win


def test_keyword_string_matches_libpq_oddities():
    # after '=' whitespace is skipped, so "host= user=x" sets host to "user=x"
    assert parse_conninfo("host= user=x") == {"host": "user=x"}
    # a closing quote ends the value even without whitespace after it
    assert parse_conninfo("dbname='a'user=b") == {"dbname": "a", "user": "b"}
    assert parse_conninfo("hostaddr=10.0.0.1 application_name=x options='-c a=b'") == {
        "hostaddr": "10.0.0.1", "application_name": "x", "options": "-c a=b"}


def test_hostaddr_is_used_when_no_host():
    assert res("hostaddr=10.0.0.1").host == "10.0.0.1"
    assert res("hostaddr=10.0.0.1 host=db").host == "db"


def test_service_keyword_via_pgservicefile(tmp_path):
    f = tmp_path / "svc.conf"
    f.write_text("# comment\n[other]\nhost=wrong\n\n[prod]\nhost=prod.db\nport=6000\nuser=admin\ndbname=sales\n"
                 "sslmode=verify-full\n[after]\nhost=wrong2\n")
    p = res("service=prod", env={"PGSERVICEFILE": str(f)})
    assert fields(p) == ("prod.db", 6000, "admin", "sales")
    assert p.sslmode == "verify-full" and p.service == "prod"


def test_service_from_home_file_and_pgservice_env(home):
    (home / ".pg_service.conf").write_text("[dev]\nhost=dev.db\ndbname=devdb\n")
    assert fields(res(env={"PGSERVICE": "dev"}, home=home)) == ("dev.db", None, None, "devdb")
    # service= in the conninfo beats PGSERVICE
    (home / ".pg_service.conf").write_text("[dev]\nhost=dev.db\n[qa]\nhost=qa.db\n")
    assert res("service=qa", env={"PGSERVICE": "dev"}, home=home).host == "qa.db"


def test_service_system_file_only_when_user_file_lacks_it(home, tmp_path):
    sysdir = tmp_path / "etc"
    sysdir.mkdir()
    (sysdir / "pg_service.conf").write_text("[a]\nhost=sys-a\nuser=sysuser\n[b]\nhost=sys-b\n")
    (home / ".pg_service.conf").write_text("[a]\nhost=user-a\n")
    env = {"PGSYSCONFDIR": str(sysdir)}
    p = res("service=a", env=env, home=home)
    assert (p.host, p.user) == ("user-a", None)  # the first file with the section wins outright
    assert res("service=b", env=env, home=home).host == "sys-b"


def test_unknown_service_names_the_files_searched(home, tmp_path):
    with pytest.raises(PgConsoleError) as e:
        res("service=nope", env={"PGSYSCONFDIR": str(tmp_path / "etc")}, home=home)
    msg = str(e.value)
    assert 'service "nope" not found' in msg
    assert str(home / ".pg_service.conf") in msg and str(tmp_path / "etc" / "pg_service.conf") in msg


@pytest.mark.parametrize("body, what", [
    ("[s]\nhost\n", "syntax error"),
    ("[s]\nbogus=1\n", "syntax error"),
    ("[s]\nservice=t\n", "nested service"),
])
def test_bad_service_file(tmp_path, body, what):
    f = tmp_path / "svc.conf"
    f.write_text(body)
    with pytest.raises(PgConsoleError, match=what):
        res("service=s", env={"PGSERVICEFILE": str(f)})


# --- precedence ------------------------------------------------------------------------

def test_conninfo_beats_options():
    p = res("host=ci port=1111 user=ciu dbname=cid password=cip", host="opt", port=2222,
            username="optu", password="optp")
    assert fields(p) == ("ci", 1111, "ciu", "cid") and p.password == "cip"
    assert res("postgresql://uriu@urih/db", host="opt", username="optu").user == "uriu"


def test_options_fill_what_conninfo_leaves_unset():
    p = res("dbname=app", host="opt", port="2222", username="optu")
    assert fields(p) == ("opt", 2222, "optu", "app")


def test_options_beat_env():
    env = {"PGHOST": "envh", "PGPORT": "7777", "PGUSER": "envu", "PGDATABASE": "envdb"}
    p = res(host="opt", username="optu", env=env)
    assert fields(p) == ("opt", 7777, "optu", "envdb")


def test_service_beats_env_and_explicit_beats_service(tmp_path):
    f = tmp_path / "svc.conf"
    f.write_text("[s]\nhost=svch\nport=6000\nuser=svcu\n")
    env = {"PGSERVICEFILE": str(f), "PGHOST": "envh", "PGUSER": "envu", "PGDATABASE": "envdb"}
    p = res("service=s", env=env)
    assert fields(p) == ("svch", 6000, "svcu", "envdb")
    p = res("service=s user=me", host="cli", env=env)
    assert fields(p) == ("cli", 6000, "me", "envdb")
    p = res(host="cli", env=env | {"PGSERVICE": "s"})
    assert (p.host, p.user) == ("cli", "svcu")


def test_empty_conninfo_value_blocks_env():
    # libpq: an empty value in the string counts as set, so PGHOST does not apply
    p = res("host='' dbname=x", host="opt", env={"PGHOST": "envh"})
    assert p.host is None


def test_positionals_like_psql():
    assert (res("db", "bob").database, res("db", "bob").user) == ("db", "bob")
    # -U beats the positional USER; -d turns the first positional into USER
    assert res("db", "bob", username="alice").user == "alice"
    p = res("bob", dbname="app")
    assert (p.database, p.user) == ("app", "bob")


def test_dash_d_may_be_a_conninfo():
    assert fields(res(dbname="postgresql://u@h:5/d", host="x")) == ("h", 5, "u", "d")
    assert fields(res(dbname="host=h dbname=d")) == ("h", None, None, "d")


def test_env_fills_the_rest():
    env = {"PGHOST": "/var/sock", "PGPORT": "5499", "PGUSER": "eu", "PGDATABASE": "edb",
           "PGPASSWORD": SECRET, "PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "5", "PGPASSFILE": "/x/pp"}
    p = res(env=env)
    assert fields(p) == ("/var/sock", 5499, "eu", "edb")
    assert (p.password, p.sslmode, p.connect_timeout, p.passfile) == (SECRET, "disable", 5, "/x/pp")


# --- defaults ------------------------------------------------------------------------

def test_default_host_is_first_socket_dir_with_a_socket(tmp_path):
    varrun, tmp = tmp_path / "varrun", tmp_path / "tmp"
    tmp.mkdir()
    (tmp / ".s.PGSQL.5499").touch()
    assert res(port=5499).asyncpg_kwargs()["host"] == str(tmp)
    assert res(port=5432).asyncpg_kwargs()["host"] == "localhost"
    varrun.mkdir()
    (varrun / ".s.PGSQL.5499").touch()
    assert res(port=5499).describe() == f"osuser@{varrun}:5499/osuser"


def test_database_defaults_to_user():
    k = res(username="carol").asyncpg_kwargs()
    assert (k["user"], k["database"]) == ("carol", "carol")


# --- pgpass ----------------------------------------------------------------------------

def test_pgpass_from_home(home):
    write_pgpass(home / ".pgpass", "db:5432:app:bob:pw1\n")
    p = res(host="db", username="bob", dbname="app", home=home)
    assert p.password is None  # looked up when needed, never stored
    assert p.asyncpg_kwargs()["password"] == "pw1"
    assert p.libpq_env()["PGPASSWORD"] == "pw1"


def test_pgpass_wildcards_first_match_and_comments(tmp_path):
    pp = write_pgpass(tmp_path / "pp", "#db:*:*:*:commented\n"
                                       "other:*:*:*:no\n"
                                       "db:*:app:*:first\n"
                                       "*:*:*:*:fallback\n")
    env = {"PGPASSFILE": str(pp)}
    assert res(host="db", port=6000, dbname="app", username="u", env=env).asyncpg_kwargs()["password"] == "first"
    assert res(host="db", dbname="zzz", env=env).asyncpg_kwargs()["password"] == "fallback"


def test_pgpass_escapes(tmp_path):
    pp = write_pgpass(tmp_path / "pp", "h\\:x:*:*:bob:a\\:b\\\\c:ignored\nplain:*:*:*:*:tail\\\n")
    env = {"PGPASSFILE": str(pp)}
    assert res(host="h:x", username="bob", env=env).asyncpg_kwargs()["password"] == "a:b\\c"
    # "\*" is a literal star, not a wildcard; a trailing backslash stays (as in libpq)
    pp.write_text("\\*:*:*:*:no\n*:*:*:*:*:yes\\\n")
    assert res(host="h", env=env).asyncpg_kwargs()["password"] == "*"
    pp.write_text("*:*:*:*:yes\\\n")
    assert res(host="h", env=env).asyncpg_kwargs()["password"] == "yes\\"


def test_pgpass_ignored_unless_private(tmp_path, capsys):
    pp = write_pgpass(tmp_path / "pp", "*:*:*:*:pw\n", mode=0o644)
    for _ in range(2):   # warned once, as one line (libpq's words), never a Python warning
        assert res(host="h", env={"PGPASSFILE": str(pp)}).asyncpg_kwargs()["password"] is None
    err = capsys.readouterr().err
    assert err == (f'pgconsole: warning: password file "{pp}" has group or world access; permissions should '
                   'be u=rw (0600) or less: it is ignored\n')
    os.chmod(pp, 0o400)
    assert res(host="h", env={"PGPASSFILE": str(pp)}).asyncpg_kwargs()["password"] == "pw"


def test_pgpass_not_a_file_or_missing(tmp_path):
    assert res(host="h", env={"PGPASSFILE": str(tmp_path)}).asyncpg_kwargs()["password"] is None
    assert res(host="h", env={"PGPASSFILE": str(tmp_path / "none")}).asyncpg_kwargs()["password"] is None


def test_pgpass_localhost_matches_default_socket_dir(tmp_path):
    pp = write_pgpass(tmp_path / "pp", "localhost:5432:*:*:local\n")
    env = {"PGPASSFILE": str(pp)}
    varrun = conninfo._SOCKET_DIRS[0]
    assert res(host=varrun, env=env).asyncpg_kwargs()["password"] == "local"
    assert res(env=env).asyncpg_kwargs()["password"] == "local"  # default host is localhost here
    assert res(host="/elsewhere", env=env).asyncpg_kwargs()["password"] is None


def test_pgpass_only_when_no_password(tmp_path):
    pp = write_pgpass(tmp_path / "pp", "*:*:*:*:frompgpass\n")
    assert res(host="h", password="given", env={"PGPASSFILE": str(pp)}).asyncpg_kwargs()["password"] == "given"
    env = {"PGPASSFILE": str(pp), "PGPASSWORD": "fromenv"}
    assert res(host="h", env=env).asyncpg_kwargs()["password"] == "fromenv"


def test_passfile_keyword_beats_pgpassfile(tmp_path):
    a = write_pgpass(tmp_path / "a", "*:*:*:*:A\n")
    b = write_pgpass(tmp_path / "b", "*:*:*:*:B\n")
    p = res(f"host=h passfile={a}", env={"PGPASSFILE": str(b)})
    assert p.asyncpg_kwargs()["password"] == "A"


def test_with_database_rematches_pgpass(tmp_path):
    pp = write_pgpass(tmp_path / "pp", "h:*:one:*:p1\nh:*:two:*:p2\n")
    p = res(host="h", dbname="one", env={"PGPASSFILE": str(pp)})
    q = p.with_database("two")
    assert (q.database, q.host) == ("two", "h")
    assert (p.asyncpg_kwargs()["password"], q.asyncpg_kwargs()["password"]) == ("p1", "p2")


# --- outputs -------------------------------------------------------------------------

def test_asyncpg_kwargs():
    p = res(f"host=h port=5 user=u dbname=d password={SECRET} sslmode=allow connect_timeout=3")
    assert p.asyncpg_kwargs() == {"host": "h", "port": 5, "user": "u", "database": "d",
                                  "password": SECRET, "ssl": "allow", "timeout": 3.0}


CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def test_ssl_files_come_from_the_uri_service_or_environment(tmp_path):
    p = res("postgresql://h/d?sslmode=verify-ca&sslrootcert=/r.crt&sslcert=/c.crt&sslkey=/c.key&sslcrl=/x.crl")
    assert (p.sslrootcert, p.sslcert, p.sslkey, p.sslcrl) == ("/r.crt", "/c.crt", "/c.key", "/x.crl")
    assert res(host="h", env={"PGSSLROOTCERT": "/e.crt"}).sslrootcert == "/e.crt"
    assert res("host=h sslrootcert=/k.crt", env={"PGSSLROOTCERT": "/e.crt"}).sslrootcert == "/k.crt"
    assert "sslrootcert=/r.crt" in p.uri() and p.libpq_env()["PGSSLROOTCERT"] == "/r.crt"


@pytest.mark.skipif(not os.path.exists(CA_BUNDLE), reason="no system CA bundle to load")
def test_ssl_context_follows_libpq(tmp_path, monkeypatch):
    import ssl
    monkeypatch.setenv("HOME", str(tmp_path))
    kw = lambda text: res(text).asyncpg_kwargs()["ssl"]  # noqa: E731
    assert kw("host=/tmp/sock sslmode=verify-full") is False          # never TLS on a Unix socket
    assert kw("host=h sslmode=disable") is False and kw("host=h") == "prefer"
    ctx = kw("host=h sslmode=require")                                 # no root certificate: not verified
    assert ctx.verify_mode == ssl.CERT_NONE and not ctx.check_hostname
    ctx = kw(f"host=h sslmode=require sslrootcert={CA_BUNDLE}")         # with one: verified, as libpq
    assert ctx.verify_mode == ssl.CERT_REQUIRED and not ctx.check_hostname
    ctx = kw(f"host=h sslmode=verify-full sslrootcert={CA_BUNDLE}")
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert kw("host=h sslmode=verify-full sslrootcert=system").check_hostname
    # the file it names is the one it used: sslrootcert= first, else ~/.postgresql/root.crt
    with pytest.raises(PgConsoleError, match='root certificate file "/nonexist" does not exist'):
        kw("postgresql://h/d?sslmode=verify-full&sslrootcert=/nonexist")
    with pytest.raises(PgConsoleError, match=f'"{tmp_path}/.postgresql/root.crt" does not exist'):
        kw("host=h sslmode=verify-ca")
    with pytest.raises(PgConsoleError, match='weak sslmode "require" may not be used with sslrootcert=system'):
        kw("host=h sslmode=require sslrootcert=system")
    bad = tmp_path / "bad.crt"
    bad.write_text("not a certificate")
    with pytest.raises(PgConsoleError, match="could not read root certificate file"):
        kw(f"host=h sslmode=verify-ca sslrootcert={bad}")


def test_connect_timeout_like_libpq():
    assert res("connect_timeout=1").connect_timeout == 2  # libpq's minimum
    assert res("connect_timeout=0").connect_timeout is None  # "forever": leave the caller's default
    assert res(host="h").asyncpg_kwargs()["timeout"] == 60.0


def test_libpq_env(tmp_path):
    p = res(host="/run/sock", port=5499, username="u", dbname="d", password=SECRET,
            env={"PGSSLMODE": "require", "PGCONNECT_TIMEOUT": "4.5"})
    assert p.libpq_env() == {"PGHOST": "/run/sock", "PGPORT": "5499", "PGUSER": "u", "PGDATABASE": "d",
                             "PGPASSWORD": SECRET, "PGSSLMODE": "require", "PGCONNECT_TIMEOUT": "5"}
    env = res(host="h").libpq_env()
    assert env == {"PGHOST": "h", "PGPORT": "5432", "PGUSER": "osuser", "PGDATABASE": "osuser"}


def test_describe():
    assert res("postgresql://postgres@127.0.0.1/app").describe() == "postgres@127.0.0.1:5432/app"
    assert res(host="/tmp/sock", username="postgres", dbname="app").describe() == "postgres@/tmp/sock:5432/app"


@pytest.mark.parametrize("p", [
    ConnParams(host="/tmp/my sock", port=5499, user="a b@c", database="d/b?x=y", sslmode="disable",
               connect_timeout=3.2),
    ConnParams(host="::1", port=5, user="u:x", database="db"),
    ConnParams(host="fe80::1%eth0", port=5, user="u", database="%41"),
    ConnParams(host="db.example", port=5432, user="postgres", database="app"),
])
def test_uri_round_trips_through_the_parser(p):
    u = p.uri()
    assert u.startswith("postgresql://")
    q = res(u)
    assert fields(q) == fields(p) and q.sslmode == p.sslmode
    assert q.connect_timeout == (4 if p.connect_timeout else None)


def test_uri_socket_as_query():
    p = ConnParams(host="/tmp/sock", port=5499, user="postgres", database="app")
    assert p.uri() == "postgresql://postgres@/app?host=/tmp/sock&port=5499"
    assert ConnParams(host="h", user="u", database="d").uri() == "postgresql://u@h:5432/d"


# --- secrets ---------------------------------------------------------------------------

def test_password_never_shown():
    for p in (res(f"postgresql://u:{SECRET}@h/d"), res(f"host=h password={SECRET}"), res(host="h", password=SECRET),
              res(host="h", env={"PGPASSWORD": SECRET})):
        assert p.password == SECRET
        for text in (repr(p), str(p), p.describe(), p.uri()):
            assert SECRET not in text
    assert res(host="h", password="a") == res(host="h", password="b")  # not part of equality


@pytest.mark.parametrize("text", [
    f"host='x password={SECRET}",                 # unterminated quote
    f"host=x password='{SECRET}",                 # unterminated quote inside the password
    f"host=x password=abc {SECRET}",             # a password with an unquoted space
    f"password={SECRET} bogus=1",                 # unknown keyword after the password
    f"postgresql://u:{SECRET}@h/d%zz",           # bad percent-encoding elsewhere
    f"postgresql://u:{SECRET}%zz@h/d",           # bad percent-encoding in the password
    f"postgresql://u:{SECRET}@h/d?password={SECRET}&x=1",
    f"postgresql://u@h/d?password={SECRET}&foo=1",
    f"postgresql://u:{SECRET} x@h/d",            # a space inside the password
])
def test_password_never_in_errors(text):
    with pytest.raises(PgConsoleError) as e:
        res(text)
    msg = str(e.value)
    assert msg.startswith("invalid connection string: ") and "\n" not in msg
    assert SECRET not in msg and "abc" not in msg


# --- invalid input ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("host='x", 'invalid connection string: unterminated quoted string in "host=\'x"'),
    ("host=x bogus=1", 'invalid connection option "bogus"'),
    ("host=x dbname", 'missing "=" after "dbname"'),
    ("postgresql://h/d?foo=1", 'invalid URI query parameter "foo"'),
    ("postgresql://h/d?sslmode", 'missing key/value separator "="'),
    ("postgresql://h/d?a=b=c", 'extra key/value separator "="'),
    ("postgresql://h/d%zz", "invalid percent-encoded token"),
    ("postgresql://h/d%00", "forbidden value %00"),
    ("postgresql://h/my db", "unexpected spaces"),
    ("postgresql://[::1/d", 'missing "]"'),
    ("postgresql://[]/d", "IPv6 host address may not be empty"),
    ("postgresql://[::1]x/d", 'unexpected character "x"'),
])
def test_bad_conninfo(text, expected):
    with pytest.raises(PgConsoleError, match="^invalid connection string: ") as e:
        res(text)
    assert expected in str(e.value)


@pytest.mark.parametrize("kw, expected", [
    ({"port": "abc"}, 'invalid port number: "abc"'),
    ({"port": 70000}, 'invalid port number: "70000"'),
    ({"conninfo": "port=0"}, 'invalid port number: "0"'),
    ({"conninfo": "sslmode=sometimes"}, 'invalid sslmode value: "sometimes"'),
    ({"conninfo": "connect_timeout=soon"}, 'invalid connect_timeout value: "soon"'),
    ({"env": {"PGPORT": "x"}}, 'invalid port number: "x"'),
])
def test_bad_values(kw, expected):
    conninfo_arg = kw.pop("conninfo", None)
    with pytest.raises(PgConsoleError) as e:
        res(conninfo_arg, **kw)
    assert str(e.value) == expected


def test_os_user_unknown(monkeypatch):
    def boom():
        raise OSError("no user")
    monkeypatch.setattr(conninfo.getpass, "getuser", boom)
    with pytest.raises(PgConsoleError, match="use -U"):
        res(host="h").describe()
