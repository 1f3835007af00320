"""Bad input on the command line: one clear line on stderr, exit status 2, no traceback, no password."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading

import pytest

SECRET = "s3cr3t-Pa55"


def run_cli(*args: str, env_extra: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "pgconsole", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def assert_one_line_error(r: subprocess.CompletedProcess, *needles: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pgconsole: error: ")
    assert "Traceback" not in r.stderr and SECRET not in r.stderr and SECRET not in r.stdout
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


class FakeServer:
    """A loopback TCP listener that either says something that is not PostgreSQL, or nothing."""

    def __init__(self, reply: bytes | None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.reply is not None:
                try:
                    c.recv(1024)
                    c.sendall(self.reply)
                    c.close()
                except OSError:
                    pass

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("dsn,needle", [
    ("host='unterminated", "invalid connection string"),
    ("postgresql://u@127.0.0.1:notaport/db", "port"),
    (f"bogus_keyword=1 password={SECRET}", "invalid connection string"),
])
def test_bad_dsn(dsn, needle):
    assert_one_line_error(run_cli("snapshot", dsn), needle)


def test_unreachable_port_is_connection_refused():
    r = run_cli("snapshot", f"postgresql://app:{SECRET}@127.0.0.1:{closed_port()}/db")
    assert_one_line_error(r, "connection refused")


def test_silent_host_times_out():
    srv = FakeServer(reply=None)
    try:
        r = run_cli("snapshot", f"host=127.0.0.1 port={srv.port} user=app dbname=db connect_timeout=1")
        assert_one_line_error(r, "timed out")
    finally:
        srv.close()


def test_port_that_is_not_postgresql():
    srv = FakeServer(reply=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    try:
        r = run_cli("snapshot", f"postgresql://app:{SECRET}@127.0.0.1:{srv.port}/db?connect_timeout=3")
        line = assert_one_line_error(r)
        assert "PostgreSQL" in line or "protocol" in line.lower() or "closed" in line
    finally:
        srv.close()


def test_wrong_password(make_role):
    p = make_role("pw_role")
    r = run_cli("snapshot", f"postgresql://pw_role:{SECRET}@127.0.0.1:{p.port}/postgres")
    assert_one_line_error(r, "authentication failed")
    r = run_cli("snapshot", "-h", "127.0.0.1", "-p", str(p.port), "-U", "pw_role", "-w", "postgres",
                env_extra={"PGPASSWORD": SECRET})
    assert_one_line_error(r, "authentication failed")


def test_missing_database(pg_tcp_params):
    p = pg_tcp_params
    r = run_cli("snapshot", f"host=127.0.0.1 port={p.port} user=postgres dbname=no_such_db",
                env_extra={"PGPASSWORD": p.password})
    line = assert_one_line_error(r, 'database "no_such_db" does not exist (connecting to postgres@')
    assert "does not exist to " not in line
    assert p.password not in r.stderr


def test_snapshot_json_over_tcp_with_password_from_env(pg_tcp_params):
    import json
    p = pg_tcp_params
    r = run_cli("snapshot", "--json", "--interval", "0.2", "-h", "127.0.0.1", "-p", str(p.port),
                "-U", "postgres", "postgres", env_extra={"PGPASSWORD": p.password})
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"server", "connections", "locks", "cache", "statements", "bloat"} <= data.keys()
    assert data["server"]["tps"] is not None and data["server"]["version_num"] >= 130000
    srv = data["server"]
    assert srv["usable_connections"] == srv["max_connections"] - srv["reserved_connections"]
    assert any(b["is_self"] and b["application_name"] == "pgconsole" for b in data["connections"]["backends"])
    assert p.password not in r.stdout


def test_snapshot_tables_render(pg_params):
    r = run_cli("snapshot", "--interval", "0.1", f"host={pg_params.host} port={pg_params.port} "
                "user=postgres dbname=postgres", env_extra={"COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    for title in ("PostgreSQL", "Connections", "Cache", "Slow queries", "Bloat"):
        assert title in r.stdout
    # the console's count: used / usable (max_connections less the reserved), and said so
    import re
    used, usable, most = map(int, re.search(r"connections (\d+)/(\d+) usable \(max (\d+)\)", r.stdout).groups())
    assert usable == most - 3 and 1 <= used <= usable     # superuser_reserved_connections: 3


async def test_snapshot_into_a_pipe_is_as_wide_as_its_content_unless_columns_says(pg_params):
    import asyncio

    import asyncpg
    marker = "SELECT 'pgconsole-wide-output-marker-0123456789' AS marker"   # 57: whole under the 60 cap
    conn = await asyncpg.connect(**pg_params.asyncpg_kwargs())
    try:
        await conn.fetch(marker)        # then idle, with it as its last statement
        dsn = f"host={pg_params.host} port={pg_params.port} user=postgres dbname=postgres"
        piped, narrow = await asyncio.gather(
            asyncio.to_thread(run_cli, "snapshot", "--interval", "0", dsn),
            asyncio.to_thread(run_cli, "snapshot", "--interval", "0", dsn, env_extra={"COLUMNS": "80"}))
    finally:
        await conn.close()
    assert piped.returncode == 0 and narrow.returncode == 0, (piped.stderr, narrow.stderr)
    assert marker in piped.stdout
    assert max(len(line) for line in piped.stdout.splitlines()) > 80
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80 and marker not in narrow.stdout


def test_help_mentions_psql_style_options():
    r = run_cli("snapshot", "--help")
    assert r.returncode == 0 and "-h HOST" in r.stdout and "-U USERNAME" in r.stdout


@pytest.mark.parametrize("args, hint", [
    (["seed", "sass"], "no scenario named 'sass' in"),
    (["report", "--threshold", "slow_query=200"], "unknown threshold 'slow_query'"),
])
def test_a_mistyped_name_suggests_the_closest(args, hint, capsys):
    from pgconsole import cli
    assert cli.main([*args, f"postgresql://app@127.0.0.1:{closed_port()}/db"]) == 2   # before connecting
    line = capsys.readouterr().err.strip()
    assert hint in line and "did you mean" in line and len(line.splitlines()) == 1
    assert line.endswith("(did you mean 'saas'?)") or line.endswith("(did you mean 'slow_query_ms'?)")


def test_did_you_mean_lists_few_names_and_points_elsewhere_for_many():
    from pgconsole.errors import did_you_mean
    assert did_you_mean("chta", ["saas", "chat", "events"]) == " (did you mean 'chat'?)"
    assert did_you_mean("zzz", ["saas", "chat", "events"]) == " (known: chat, events, saas)"
    many = [f"name_{i}" for i in range(40)]
    assert did_you_mean("zzz", many, "see the README") == " (see the README)"
