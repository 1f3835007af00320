"""pgbench command lines, environments and the choice of binary (no server needed)."""

from __future__ import annotations

import os
import stat
from dataclasses import replace

import pytest

from pgconsole.bench.args import APP_NAME, BenchConfig, child_env, init_argv, run_argv, script_path
from pgconsole.bench.locate import PgBench, choose, locate, probe
from pgconsole.cluster import embedded_bin_dir
from pgconsole.conninfo import ConnParams
from pgconsole.errors import PgConsoleError

PARAMS = ConnParams(host="db.example", port=6543, user="alice", database="shop", password="s3cret!pw")


def test_argv_has_no_connection_details_or_secrets():
    argv = run_argv("/bin/pgbench", BenchConfig(clients=8, jobs=2, duration_s=30, rate=500.5))
    assert argv == ["/bin/pgbench", "-c", "8", "-j", "2", "-P", "1", "-T", "30", "-R", "500.5", "-b", "tpcb-like"]
    text = " ".join(argv + init_argv("/bin/pgbench", BenchConfig(scale=3)))
    for secret in ("s3cret", "alice", "db.example", "6543", "shop"):
        assert secret not in text


def test_argv_transactions_scripts_and_extra(tmp_path):
    f = tmp_path / "my script.sql"
    f.write_text("SELECT 1;\n")
    cfg = BenchConfig(transactions=100, builtin=None, scripts=(f"{f}@3",), scale=5, extra_args=("-M", "prepared"))
    cfg.validate()
    assert run_argv("pgbench", cfg) == ["pgbench", "-c", "1", "-j", "1", "-P", "1", "-t", "100",
                                        "-f", f"{f}@3", "-s", "5", "-M", "prepared"]
    assert init_argv("pgbench", BenchConfig(scale=5)) == ["pgbench", "-i", "-s", "5"]
    assert script_path(f"{f}@3") == str(f)


def test_child_env_carries_credentials_and_app_name():
    base = {"PATH": "/usr/bin", "PGSERVICE": "prod", "PGHOST": "other", "PGAPPNAME": "x",
            "LC_ALL": "de_DE.UTF-8", "PGGSSENCMODE": "disable", "PGSSLROOTCERT": "/stale.pem"}
    env = child_env(replace(PARAMS, sslrootcert="/etc/ca.pem"), base)
    assert env["PGHOST"] == "db.example" and env["PGPORT"] == "6543"
    assert env["PGUSER"] == "alice" and env["PGDATABASE"] == "shop" and env["PGPASSWORD"] == "s3cret!pw"
    assert env["PGAPPNAME"] == APP_NAME == "pgconsole-bench"
    assert "PGSERVICE" not in env  # a service entry would override PGHOST inside libpq
    assert env["PGSSLROOTCERT"] == "/etc/ca.pem"  # the resolved root certificate
    assert env["PGGSSENCMODE"] == "disable"       # unrelated libpq settings pass through
    assert "PGOPTIONS" not in env
    assert "LC_ALL" not in env and env["LC_NUMERIC"] == "C" and env["LC_MESSAGES"] == "C"
    assert env["LANG"] == "de_DE.UTF-8"


def test_child_env_bounds_lock_waits_and_orphaned_sessions():
    env = child_env(PARAMS, {}, lock_timeout_ms=1500, server_version_num=130015)
    assert env["PGOPTIONS"] == "-c lock_timeout=1500"
    env = child_env(PARAMS, {"PGOPTIONS": "-c lock_timeout=9000 -c work_mem=64MB"}, lock_timeout_ms=1500,
                    server_version_num=180001)
    assert env["PGOPTIONS"] == ("-c lock_timeout=1500 -c client_connection_check_interval=1000 "
                                "-c lock_timeout=9000 -c work_mem=64MB")   # the caller's own come last, and win


@pytest.mark.parametrize("kwargs,needle", [
    ({"clients": 0}, "--clients"),
    ({"clients": 2, "jobs": 3}, "cannot exceed"),
    ({"duration_s": 5, "transactions": 5}, "not both"),
    ({"duration_s": 0}, "--duration"),
    ({"rate": 0}, "--rate"),
    ({"scale": 0}, "--scale"),
    ({"builtin": "nope"}, "unknown builtin"),
    ({"builtin": None, "scripts": ("/no/such/file.sql",)}, "script file not found"),
    ({"extra_args": ("-h", "evil")}, "set by pgconsole"),
    ({"extra_args": ("--dbname=x",)}, "set by pgconsole"),
    ({"extra_args": ("-i",)}, "set by pgconsole"),
])
def test_validation(kwargs, needle):
    with pytest.raises(PgConsoleError, match=needle):
        BenchConfig(**kwargs).validate()


def test_needs_tables():
    assert BenchConfig().needs_tables == ("pgbench_accounts", "pgbench_branches", "pgbench_history",
                                          "pgbench_tellers")
    assert BenchConfig(builtin="select-only").needs_tables == ("pgbench_accounts", "pgbench_branches")
    assert BenchConfig(builtin=None, scripts=("x",)).needs_tables == ()


def _pb(major, path=None):
    return PgBench(path=path or f"/pg{major}/pgbench", version=f"{major}.1", major=major, source="PATH")


def test_choose_prefers_same_major_then_newer_then_older():
    assert choose([_pb(15), _pb(18), _pb(17)], 17).pgbench.major == 17
    c = choose([_pb(15), _pb(18), _pb(17)], 16)
    assert c.pgbench.major == 17 and c.note is None
    c = choose([_pb(14), _pb(15)], 18)
    assert c.pgbench.major == 15 and "older" not in (c.note or "") and "pgbench 18" in c.note


def test_choose_errors():
    with pytest.raises(PgConsoleError, match="pgbench not found: install PostgreSQL 16"):
        choose([], 16)
    with pytest.raises(PgConsoleError, match="too old"):
        choose([_pb(12)], 16)


def test_probe_real_binaries():
    emb = probe(str(embedded_bin_dir() / "pgbench"), "embedded")
    assert emb.major >= 17 and emb.version[0].isdigit()
    deb = "/usr/lib/postgresql/15/bin/pgbench"
    if os.path.exists(deb):
        assert probe(deb).major == 15


def test_probe_rejects_non_pgbench(tmp_path):
    fake = tmp_path / "pgbench"
    fake.write_text("#!/bin/sh\necho 'pgbench (PostgreSQL) 9.6.24'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(PgConsoleError, match="too old"):
        locate(18, str(fake))
    other = tmp_path / "other"
    other.write_text("#!/bin/sh\necho hello\n")
    other.chmod(other.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(PgConsoleError, match="does not look like pgbench"):
        probe(str(other))
    with pytest.raises(PgConsoleError, match="not found"):
        locate(18, str(tmp_path / "missing"))


def test_locate_without_pgbench_on_path(monkeypatch):
    """No pgbench on PATH: the embedded wheel's is used."""
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("PGCONSOLE_PGBENCH", raising=False)
    choice = locate(probe(str(embedded_bin_dir() / "pgbench")).major)
    assert choice.pgbench.source == "embedded" and choice.note is None
