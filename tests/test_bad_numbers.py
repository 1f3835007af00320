"""Bad numbers are bad input on every command: NaN, infinities, negatives, zero where it makes no
sense and empty names are refused with one line and exit status 2, before anything connects,
never a traceback or a hang."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pgconsole import cli

CASES = [   # (argv, what the line says)
    (["--statement-timeout", "nan"], "--statement-timeout: expected a finite number, got 'nan'"),
    (["--lock-timeout", "inf"], "--lock-timeout: expected a finite number, got 'inf'"),
    (["--refresh", "nan"], "--refresh: expected a finite number"),
    (["--refresh", "-1"], "--refresh: must be more than 0"),
    (["snapshot", "--interval", "nan"], "--interval: expected a finite number"),
    (["snapshot", "--interval", "inf"], "--interval: expected a finite number"),
    (["snapshot", "--interval", "86400"], "--interval: must be at most 3600 seconds"),
    (["snapshot", "--top", "-5"], "--top: must be 1 or more, got '-5'"),
    (["snapshot", "--top", "1.5"], "--top: expected a whole number"),
    (["snapshot", "--exact-bloat", ""], "--exact-bloat: must not be empty"),
    (["snapshot", "--statement-timeout", "0"], "--statement-timeout: must be more than 0"),
    (["snapshot", "--statement-timeout", "1e300"], "--statement-timeout: must be at most 2,147,483 seconds"),
    (["report", "--interval=-inf"], "--interval: expected a finite number"),
    (["report", "--threshold", "slow_query_ms=nan"], "threshold slow_query_ms needs a finite number"),
    (["report", "--threshold", "bloat_pct=inf"], "threshold bloat_pct needs a finite number"),
    (["report", "--lock-timeout", "-1"], "--lock-timeout: must be more than 0"),
    (["vacuum", "--cost-delay", "nan"], "--cost-delay: expected a finite number"),
    (["vacuum", "--cost-delay", "-1"], "--cost-delay: must not be negative"),
    (["vacuum", "--table", " "], "--table/-t: must not be empty"),
    (["bench", "--rate", "inf"], "--rate/-R: expected a finite number"),
    (["bench", "--rate", "0"], "--rate/-R: must be more than 0"),
    (["bench", "-c", "0"], "--clients/-c: must be 1 or more"),
    (["bench", "-T", "nan"], "--duration/-T: expected a whole number"),
    (["bench", "--scale", "-2"], "--scale/-s: must be 1 or more"),
    (["seed", "saas", "--scale", "nan"], "--scale: expected a finite number"),
    (["seed", "saas", "--scale", "0"], "--scale: must be more than 0"),
    (["seed", "saas", "--jobs", "-1"], "--jobs: must not be negative"),
    (["seed", "saas", "--schema", ""], "--schema: must not be empty"),
    (["seed", "saas", "--statement-timeout", "inf"], "--statement-timeout: expected a finite number"),
    (["demo", "--scale", "inf"], "--scale: expected a finite number"),
    (["demo", "--workers", "-1"], "--workers: must not be negative"),
    (["demo", "--refresh", "nan"], "--refresh: expected a finite number"),
    (["server", "status", "--port", "70000"], "--port: a TCP port is 1 to 65535"),
]


@pytest.mark.parametrize("argv, says", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_number_is_one_line_and_exit_2(argv, says, capsys, monkeypatch):
    for var in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and lines[0].startswith("pgconsole: error: "), err
    assert says in lines[0] and "Traceback" not in err, lines[0]


def test_an_infinite_interval_does_not_hang():
    """It used to sleep forever (or hang on NaN) after connecting: refused before."""
    r = subprocess.run([sys.executable, "-m", "pgconsole", "snapshot", "--interval", "inf", "-h", "/nonexistent"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "--interval" in r.stderr, r.stderr
