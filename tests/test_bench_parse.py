"""pgbench output parsers, on output captured from pgbench 18 and 15 (and 13/14 formats)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from pgconsole.bench.parse import error_lines, error_message, parse_init_line, parse_progress, totals
from pgconsole.bench.summary import parse_summary

DATA = Path(__file__).parent / "data" / "pgbench"


def read(ver: str, case: str, stream: str) -> str:
    return (DATA / f"pg{ver}" / f"{case}.{stream}").read_text()


def samples(ver: str, case: str, start_epoch: float | None = None):
    out = []
    for line in read(ver, case, "stderr").splitlines():
        s = parse_progress(line, out[-1] if out else None, start_epoch)
        if s is not None:
            out.append(s)
    return out


@pytest.mark.parametrize("ver", ["18", "15"])
def test_run_summary_fields(ver):
    s = parse_summary(read(ver, "run", "stdout"))
    assert s.pgbench_version.startswith(ver)
    assert s.transaction_type == "<builtin: TPC-B (sort of)>"
    assert (s.scaling_factor, s.query_mode, s.clients, s.threads, s.max_tries, s.duration_s) == (2, "simple", 2, 2, 1, 3)
    assert s.failed == 0 and s.failed_pct == 0.0
    assert s.initial_connection_ms > 0 and s.latency_avg_ms > 0 and s.latency_stddev_ms > 0
    assert s.complete and s.headline_tps == s.tps
    # the run's own arithmetic: transactions / duration is close to the reported tps
    assert s.transactions / s.duration_s == pytest.approx(s.tps, rel=0.05)


def test_run_summary_exact_values_18():
    s = parse_summary(read("18", "run", "stdout"))
    assert s.transactions == 13834
    assert s.tps == 4611.365613
    assert s.latency_avg_ms == 0.433 and s.latency_stddev_ms == 0.110
    assert s.initial_connection_ms == 3.086
    assert s.server_version == "18.6"


def test_banner_with_distribution_suffix_15():
    s = parse_summary(read("15", "run", "stdout"))
    assert s.pgbench_version == "15.18 (Debian 15.18-0+deb12u1)"
    assert s.transactions == 13518 and s.tps == 4507.045635


@pytest.mark.parametrize("ver", ["18", "15"])
def test_progress_lines(ver):
    ss = samples(ver, "run")
    assert [s.elapsed_s for s in ss] == [1.0, 2.0, 3.0]
    assert all(s.interval_s == 1.0 and s.failed == 0 and s.lag_ms is None for s in ss)
    assert all(s.tps > 1000 and 0 < s.latency_ms < 10 and s.stddev_ms > 0 for s in ss)


@pytest.mark.parametrize("ver", ["18", "15"])
def test_progress_totals_agree_with_summary(ver):
    s = parse_summary(read(ver, "run", "stdout"))
    t = totals(samples(ver, "run"))
    assert t.transactions == pytest.approx(s.transactions, rel=0.02)
    assert t.latency_avg_ms == pytest.approx(s.latency_avg_ms, rel=0.05)
    assert t.latency_stddev_ms == pytest.approx(s.latency_stddev_ms, rel=0.25)
    assert t.failed == 0


@pytest.mark.parametrize("ver", ["18", "15"])
def test_transactions_mode(ver):
    s = parse_summary(read(ver, "t", "stdout"))
    assert s.transactions_per_client == 500
    assert (s.transactions, s.transactions_planned) == (1000, 1000)
    assert s.duration_s is None


@pytest.mark.parametrize("ver", ["18", "15"])
def test_rate_and_latency_limit(ver):
    s = parse_summary(read(ver, "rate", "stdout"))
    assert s.skipped == 0 and s.latency_limit_ms == 5.0 and s.late == 0
    assert s.lag_avg_ms > 0 and s.lag_max_ms >= s.lag_avg_ms
    ss = samples(ver, "rate")
    assert ss and all(x.lag_ms is not None and x.skipped == 0 for x in ss)


@pytest.mark.parametrize("ver", ["18", "15"])
def test_failed_transactions(ver):
    s = parse_summary(read(ver, "ser", "stdout"))
    assert s.failed > 0 and 0 < s.failed_pct < 100
    assert s.transaction_type == "ser.sql"
    ss = samples(ver, "ser")
    assert sum(x.failed for x in ss) > 0
    assert totals(ss).failed == sum(x.failed for x in ss)


@pytest.mark.parametrize("ver", ["18", "15"])
def test_retries_and_detailed_failures(ver):
    s = parse_summary(read(ver, "serretry", "stdout"))
    assert s.max_tries == 3
    assert s.serialization_failures == s.failed and s.deadlock_failures == 0
    assert s.retried > 0 and s.retries >= s.retried
    ss = samples(ver, "serretry")
    assert all(x.retried is not None and x.retries >= x.retried for x in ss)


@pytest.mark.parametrize("ver", ["18", "15"])
def test_aborted_run_error_text(ver):
    s = parse_summary(read(ver, "bad", "stdout"))
    assert s.transactions == 0 and not s.complete
    err = read(ver, "bad", "stderr").splitlines()
    msg = error_message(err)
    assert 'relation "no_such_table" does not exist' in msg
    assert any("Run was aborted" in ln for ln in error_lines(err))
    if ver == "15":
        assert s.failed == 0 and s.failed_pct is None  # "0 (NaN%)"


def test_an_error_pgbench_carried_on_past_is_not_the_one_that_ended_the_run():
    # pgbench 15 and 18 alike, behind a SHARE lock on pgbench_tellers with a lock_timeout
    err = ["starting vacuum...pgbench: error: ERROR:  canceling statement due to lock timeout",
           "pgbench: detail: (ignoring this error and continuing anyway)",
           "end.",
           "pgbench: error: client 0 script 0 aborted in command 7 query 0: ERROR:  canceling statement due to "
           "lock timeout",
           "LINE 1: UPDATE pgbench_tellers SET tbalance = tbalance + 779 WHERE t...",
           "               ^",
           "pgbench: error: Run was aborted; the above results are incomplete."]
    assert error_message(err) == ("client 0 script 0 aborted in command 7 query 0: ERROR: canceling statement "
                                  "due to lock timeout")
    alone = ["pgbench: error: ERROR:  canceling statement due to lock timeout",
             "pgbench: detail: (ignoring this error and continuing anyway)",
             "pgbench: error: client 0 aborted: ERROR:  boom"]
    assert error_message(alone) == "client 0 aborted: ERROR: boom"


@pytest.mark.parametrize("ver", ["18", "15"])
def test_multiple_scripts(ver):
    s = parse_summary(read(ver, "multi", "stdout"))
    assert s.transaction_type == "multiple scripts"
    assert [x.name for x in s.scripts] == ["<builtin: simple update>", "<builtin: select only>"]
    assert [x.weight for x in s.scripts] == [2, 1]
    assert sum(x.transactions for x in s.scripts) == s.transactions
    assert all(x.tps > 0 and x.latency_avg_ms > 0 and x.failed == 0 for x in s.scripts)


@pytest.mark.parametrize("ver", ["18", "15"])
def test_connect_mode(ver):
    s = parse_summary(read(ver, "connect", "stdout"))
    assert s.tps is None and s.tps_including_connections > 0
    assert s.headline_tps == s.tps_including_connections
    assert s.average_connection_ms > 0 and s.initial_connection_ms is None


@pytest.mark.parametrize("ver", ["18", "15"])
def test_progress_timestamp(ver):
    lines = read(ver, "ts", "stderr").splitlines()
    first = float(next(ln for ln in lines if ln.startswith("progress:")).split()[1])
    ss = samples(ver, "ts", start_epoch=first - 1.0)
    assert [round(x.elapsed_s) for x in ss] == [1, 2]
    assert all(0.9 < x.interval_s < 1.1 for x in ss)
    assert [round(x.elapsed_s) for x in samples(ver, "ts")] == [1, 2]  # no start time: 1 s steps


@pytest.mark.parametrize("ver", ["18", "15"])
@pytest.mark.parametrize("case,needle", [("noserver", "No such file or directory"),
                                         ("nodb", 'database "nodb" does not exist')])
def test_connection_errors(ver, case, needle):
    err = read(ver, case, "stderr").splitlines()
    msg = error_message(err)
    assert needle in msg and not msg.startswith("pgbench:")
    assert read(ver, case, "stdout") == ""


def test_interrupted_run_has_progress_but_no_report():
    s = parse_summary(read("18", "sigint", "stdout"))
    assert s.pgbench_version == "18.6" and not s.complete and s.transactions is None
    t = totals(samples("18", "sigint"))
    assert t.elapsed_s == 2.0 and t.transactions > 0 and t.peak_tps > 0


@pytest.mark.parametrize("ver", ["18", "15"])
def test_init_lines(ver):
    evs = [parse_init_line(ln) for ln in read(ver, "init", "stderr").splitlines()]
    steps = [e.step for e in evs if e is not None]
    assert steps[0] == "dropping old tables" and steps[-1] == "done"
    rows = [e for e in evs if e is not None and e.rows_total]
    assert rows[-1].rows_done == rows[-1].rows_total == 200000 and rows[-1].fraction == 1.0
    assert evs[-1].elapsed_s > 0
    assert parse_init_line('NOTICE:  table "pgbench_accounts" does not exist, skipping') is None


def test_pg13_formats():
    s = parse_summary(read("13", "run", "stdout"))
    assert s.pgbench_version is None and s.max_tries is None and s.failed is None
    assert s.tps == 2744.234567 and s.tps_including_connections == 2741.701234
    assert s.initial_connection_ms is None and s.latency_stddev_ms == 0.121
    ss = samples("13", "run")
    assert [x.failed for x in ss] == [None, None, None]
    assert ss[1].tps == 0.0 and ss[1].latency_ms is None and ss[1].stddev_ms is None  # "-nan"
    t = totals(ss)
    assert t.failed is None and not math.isnan(t.latency_avg_ms)
    rate = samples("13", "rate")
    assert [x.skipped for x in rate] == [0, 1] and rate[0].lag_ms == 0.081


def test_pg14_formats():
    s = parse_summary(read("14", "run", "stdout"))
    assert (s.pgbench_version, s.server_version) == ("14.10", "16.1")
    assert s.tps == 4120.335812 and s.tps_including_connections is None
    assert s.initial_connection_ms == 3.512 and s.failed is None
    t = parse_summary(read("14", "t", "stdout"))
    assert t.query_mode == "prepared" and (t.transactions, t.transactions_planned) == (1000, 1000)
    assert all(x.failed is None for x in samples("14", "run"))


def test_not_progress():
    assert parse_progress("starting vacuum...end.") is None
    assert parse_progress("pgbench: error: something") is None
    assert parse_summary("").transactions is None
    assert totals([]).transactions == 0
