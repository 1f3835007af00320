"""Connection failures said as psql says them, and a password asked for as psql asks.

The driver's own words mislead in these cases: a refused SSL request read as "not
PostgreSQL", a dead server's socket read as a TCP port, a root certificate named in
the URI ignored, a private-file warning printed as a Python UserWarning.
"""

from __future__ import annotations

import os
import pty
import select
import socket
import subprocess
import sys
import time

import pytest

from pgconsole import cli


def one_line(capsys, rc: int, *needles: str) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("pgconsole: error: "), err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def test_sslmode_require_against_a_server_without_ssl(pg_tcp_params, capsys, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", pg_tcp_params.password)
    monkeypatch.setenv("PGSSLMODE", "require")
    rc = cli.main(["snapshot", "-h", "127.0.0.1", "-p", str(pg_tcp_params.port), "-U", "postgres", "postgres"])
    one_line(capsys, rc, "server does not support SSL, but SSL was required")


def test_a_missing_root_certificate_is_one_line_naming_the_file_used(pg_tcp_params, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    base = f"postgresql://postgres@127.0.0.1:{pg_tcp_params.port}/postgres?sslmode=verify-full"
    one_line(capsys, cli.main(["snapshot", base]), f'"{tmp_path}/.postgresql/root.crt" does not exist')
    line = one_line(capsys, cli.main(["snapshot", base + "&sslrootcert=/nonexist"]), '"/nonexist" does not exist')
    assert "root.crt" not in line


def test_a_world_readable_pgpass_is_one_warning_then_the_real_outcome(make_role, tmp_path, monkeypatch):
    role = make_role("pgpass_role")
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:pgpass_role:{role.password}\n")
    os.chmod(pgpass, 0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"PGPASSFILE": str(pgpass)}
    r = subprocess.run([sys.executable, "-m", "pgconsole", "snapshot", "-h", "127.0.0.1", "-p", str(role.port),
                        "-U", "pgpass_role", "postgres"], capture_output=True, text=True, env=env, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f'pgconsole: warning: password file "{pgpass}" has group or world access; permissions should be '
        "u=rw (0600) or less: it is ignored",
        "pgconsole: error: authentication failed to pgpass_role@127.0.0.1:"
        f"{role.port}/postgres: the server asks for a password and none was given "
        "(PGPASSWORD, ~/.pgpass, or -W to be asked)"], r.stderr


def test_a_socket_nobody_listens_on_says_the_server_crashed(tmp_path, capsys):
    # what kill -9 of the postmaster leaves: the socket file, and no one behind it
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(tmp_path / ".s.PGSQL.5999"))
    s.close()
    line = one_line(capsys, cli.main(["snapshot", "-h", str(tmp_path), "-p", "5999", "-U", "u", "d"]),
                    f"no server listens on socket {tmp_path}/.s.PGSQL.5999", "crashed")
    assert "TCP" not in line


# --- a password asked for when the server wants one --------------------------------------

def run_on_a_terminal(args: list[str], answer: str | None, timeout: float = 60) -> tuple[int, str]:
    """Run pgconsole with a terminal on stdin (stdout and stderr a pipe); type `answer` when asked."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"PGPASSFILE": "/nonexistent"}
    p = subprocess.Popen([sys.executable, "-m", "pgconsole", *args], stdin=slave, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while p.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([p.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(p.stdout.fileno(), 4096)
                out += chunk
                if answer is not None and b"Password for user" in out:
                    os.write(master, answer.encode() + b"\n")
                    answer = None
        out += p.stdout.read()
        return p.wait(timeout=5), out.decode(errors="replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        os.close(master)


@pytest.fixture(scope="module")
def prompt_role(make_role):
    return make_role("prompt_role")


def test_asks_for_the_password_the_server_wants_on_a_terminal(prompt_role):
    conn = ["-h", "127.0.0.1", "-p", str(prompt_role.port), "-U", "prompt_role", "postgres"]
    rc, out = run_on_a_terminal(["seed", "saas", "--dry-run", "--scale", "0.01", *conn], prompt_role.password)
    assert "Password for user prompt_role:" in out and rc == 0, out
    assert prompt_role.password not in out


@pytest.mark.parametrize("args", [["seed", "saas", "--dry-run", "-w"], ["snapshot"], ["report"]])
def test_never_asks_with_w_nor_in_script_commands(prompt_role, args):
    conn = ["-h", "127.0.0.1", "-p", str(prompt_role.port), "-U", "prompt_role", "postgres"]
    rc, out = run_on_a_terminal([*args, *conn], prompt_role.password, timeout=30)
    assert rc == 2 and "Password for user" not in out, out
    assert "the server asks for a password and none was given" in out
