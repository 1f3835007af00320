"""The judgements of issue 13 without a server: shapes, windows, blindness, pools, markers."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from factories import T0, backend, overview_row, statement_row
from pgconsole import derive, sqlfiles
from pgconsole.capabilities import Capabilities
from pgconsole.findings import CATALOG_CHECKS, Thresholds, count, evaluate
from pgconsole.findings.catalog_rows import Catalog, IndexUsage, ServerContext, TableUsage
from pgconsole.findings.model import CheckStatus, FindingsResult
from pgconsole.pools import pools
from pgconsole.quoting import quote_literal
from pgconsole.snapshots import Frame

CAPS = Capabilities(version_num=180000, version="18.0", current_database="shop", current_user="mon", own_pid=1,
                    is_superuser=False, read_all_stats=True, monitor=True, signal_backend=False,
                    shared_preload_libraries="pg_stat_statements", track_io_timing=True, is_standby=False,
                    pgss_schema="public", pgss_version="1.11", pgstattuple_schema=None, pgss_available=True)


def frame(**views) -> Frame:
    base = dict(seq=1, sampled_at=T0, overview=None, connections=None, locks=None, cache=None, statements=None,
                bloat=None)
    base.update(views)
    return Frame(**base)


def context(age: timedelta) -> ServerContext:
    return ServerContext(current_database="shop", started_at=T0 - age, sampled_at=T0, stats_reset=None,
                         shared_buffers="128MB", idle_in_transaction_session_timeout="0", autovacuum=True,
                         track_counts=True, autovacuum_freeze_max_age=200_000_000, is_standby=False)


def index(**kw) -> IndexUsage:
    base = dict(indexrelid=1, relid=2, schemaname="public", relname="t", indexrelname="t_note_idx",
                size_bytes=45 * 1048576, idx_scan=0, idx_tup_read=0, is_unique=False, is_primary=False, is_valid=True,
                being_built=False, constraint_name=None, is_replica_identity=False, method="btree",
                definition="CREATE INDEX t_note_idx ON public.t USING btree (note)", is_partial=False,
                is_partition_index=False, table_rows=1e6, table_seq_scan=0, table_idx_scan=20000, supports_fk=None)
    base.update(kw)
    return IndexUsage(**base)


def table(**kw) -> TableUsage:
    base = dict(relid=2, schemaname="public", relname="readings", relkind="r", is_partition=False, reltuples=5e5,
                n_live_tup=500_000, seq_scan=40, seq_tup_read=20_000_000, idx_scan=0, n_tup_ins=0, n_tup_upd=0,
                n_tup_del=0, last_seq_scan=None, table_bytes=30 * 1048576, index_bytes=0, total_bytes=30 * 1048576,
                has_primary_key=True, unique_not_null_index=None, replica_identity="d")
    base.update(kw)
    return TableUsage(**base)


def catalog(age: timedelta, **rows) -> Catalog:
    return Catalog(T0, {"findings_context": (context(age),), **rows})


# -- defaults a DBA expects ------------------------------------------------------------
def test_defaults_a_dba_expects():
    th = Thresholds()
    assert th.long_query_s == 60 and th.long_query_critical_s == 600
    assert th.n_plus_one_max_rows == 10 and th.n_plus_one_min_calls == 1000
    assert th.seq_scan_min_rows_read == 5_000_000 and th.unused_index_min_days == 7


def test_a_count_is_what_the_findings_would_be_without_holding_them():
    """The badge of a hidden Findings pane: per severity, and the checks' statuses, as evaluate's."""
    tables = tuple(table(relid=i, relname=f"t{i}", has_primary_key=i % 3 == 0, n_tup_upd=i % 2)
                   for i in range(1, 40))
    cat = catalog(timedelta(days=30), table_usage=tables, index_usage=(index(),))
    full = evaluate(None, cat, CAPS, now=T0, only=CATALOG_CHECKS)
    counted = count(None, cat, CAPS, now=T0, only=CATALOG_CHECKS)
    assert counted.checks == full.checks and sum(counted.counts.values()) == len(full.findings) > 20
    for sev in ("info", "warning", "critical"):
        assert counted.counts[sev] == len(full.by_severity(sev))
    assert counted.at_least("warning") == len(full.at_least("warning")) > 0
    assert counted.worst() == full.worst()


def test_the_rows_the_console_keeps_give_the_same_findings_as_every_row():
    """The console keeps of index_usage and table_usage only the rows its checks may find
    something in (gather.judged_by): the findings and statuses are the same as from them all."""
    from pgconsole.findings.gather import judged_by

    th = Thresholds()
    indexes = (index(), index(indexrelid=2, idx_scan=5), index(indexrelid=3, is_valid=False),
               index(indexrelid=4, size_bytes=8192), index(indexrelid=5, is_unique=True),
               index(indexrelid=6, table_seq_scan=0, table_idx_scan=3), index(indexrelid=7, supports_fk="fk"),
               index(indexrelid=8, is_valid=False, being_built=True))
    tables = (table(), table(relid=3, has_primary_key=False, n_tup_upd=4), table(relid=4, seq_scan=1),
              table(relid=5, n_live_tup=10, reltuples=10), table(relid=6, relkind="p", has_primary_key=False),
              table(relid=7, is_partition=True, has_primary_key=False), table(relid=8, relkind="m", seq_scan=500))
    for age in (timedelta(hours=2), timedelta(days=30)):
        full = catalog(age, index_usage=indexes, table_usage=tables)
        keep = judged_by(th)
        kept = catalog(age, index_usage=tuple(filter(keep["index_usage"], indexes)),
                       table_usage=tuple(filter(keep["table_usage"], tables)))
        assert len(kept.results["index_usage"]) < len(indexes) and len(kept.results["table_usage"]) < len(tables)
        a = evaluate(None, full, CAPS, th, now=T0, only=CATALOG_CHECKS)
        b = evaluate(None, kept, CAPS, th, now=T0, only=CATALOG_CHECKS)
        assert a.findings == b.findings
        assert {f.check for f in a.findings} >= {"invalid_index", "seq_scan_heavy", "table_without_primary_key",
                                                 "unused_index"}
        assert [f.message for f in a.findings] == [f.message for f in b.findings]
        assert a.checks == b.checks


# -- unused index: what is known, with its confidence ------------------------------------
@pytest.mark.parametrize("age, severity", [(timedelta(hours=3), "info"), (timedelta(days=30), "warning")])
def test_unused_index_is_info_while_statistics_are_young_and_a_warning_after(age, severity):
    result = evaluate(None, catalog(age, index_usage=(index(),)), CAPS, now=T0, only=["unused_index"])
    (f,) = result.findings
    assert f.severity == severity and f.object == "public.t_note_idx"
    assert f.evidence["window"].startswith("since server start") and f.evidence["table_scans"] == 20000
    if severity == "info":
        assert "3h" in f.message.replace(" ", "") or "3h00m" in f.message
        assert f.evidence["confidence"].startswith("low") and f.sql[0].startswith("SELECT idx_scan")
    else:
        assert "confidence" not in f.evidence and f.sql == ('DROP INDEX CONCURRENTLY "public"."t_note_idx";',)


# -- a big table read in full --------------------------------------------------------------
def test_big_table_read_in_full_is_weighed_by_rows_read_and_rate():
    def judge(age: timedelta, **kw):
        return evaluate(None, catalog(age, table_usage=(table(**kw),)), CAPS, now=T0, only=["seq_scan_heavy"])

    (f,) = judge(timedelta(minutes=10)).findings          # 40 full reads of 500,000 rows in ten minutes
    assert f.severity == "warning" and f.evidence["full_table_reads"] == 40
    assert f.evidence["rows_read_per_s"] == pytest.approx(20_000_000 / 600, rel=0.01)
    assert "10m" in f.evidence["window"] and "rows read by sequential scans" in f.message
    assert judge(timedelta(days=100)).findings == ()      # the same reads spread over 100 days: 2 rows/s
    assert judge(timedelta(minutes=10), seq_tup_read=2_000_000).findings == ()   # read 4 times: no
    assert judge(timedelta(minutes=10), idx_scan=500).findings == ()             # mostly by index: no


# -- N+1 by shape ------------------------------------------------------------------------------
TEXTS: dict[int, str] = {}


def _st(rows, interval: bool = False):
    stmts = derive.statements(rows, None, TEXTS, None, "public", "1.11")
    if interval:   # the same figures as this interval's
        stmts = replace(stmts, interval_s=2.0, statements=tuple(
            replace(s, d_calls=s.row.calls, d_total_ms=s.row.total_exec_ms, d_rows=s.row.rows)
            for s in stmts.statements))
    return stmts


def _row(qid, text, calls, rows, mean=0.05, **kw):
    TEXTS[qid] = text
    return statement_row(qid, calls=calls, rows=rows, mean_exec_ms=mean, total_exec_ms=mean * calls, **kw)


PAGE = "SELECT id FROM orders ORDER BY id LIMIT $1"
ITEMS = "SELECT product, qty FROM order_items WHERE order_id = $1"


@pytest.mark.parametrize("case, found", [
    ("textbook", True),            # 3,000 calls, 5 rows each, 100x its page query
    ("one_row_normal_ratio", False),
    ("many_rows", False),          # 50 rows a call: a page, not a child fetch
    ("slow", False),               # 5 ms a call is not a cheap lookup
    ("list_of_keys", False),       # = ANY($1) is the cure
    ("alone", False),              # nothing else ran: no loop to be inside of
    ("other_role", True),          # another role's statements are not its siblings
])
def test_n_plus_one_is_judged_by_shape(case, found):
    rows = {
        "textbook": [_row(1, PAGE, 30, 3000), _row(2, ITEMS, 3000, 15000)],
        "one_row_normal_ratio": [_row(3, "UPDATE orders SET n = n + 1 WHERE id = $1", 1500, 1500),
                                 _row(4, "SELECT customer FROM orders WHERE id = $1", 3000, 3000)],
        "many_rows": [_row(1, PAGE, 30, 3000), _row(2, ITEMS, 3000, 150000)],
        "slow": [_row(1, PAGE, 30, 3000), _row(2, ITEMS, 3000, 15000, mean=5.0)],
        "list_of_keys": [_row(1, PAGE, 30, 3000), _row(5, "SELECT * FROM order_items WHERE order_id = ANY($1)",
                                                        3000, 15000)],
        "alone": [_row(2, ITEMS, 3000, 15000)],
        "other_role": [_row(1, PAGE, 30, 3000), _row(2, ITEMS, 3000, 15000),
                       _row(6, "INSERT INTO audit VALUES ($1)", 5000, 5000, userid=99)],
    }[case]
    result = evaluate(frame(statements=_st(rows)), None, CAPS, now=T0, only=["n_plus_one"])
    assert bool(result.findings) is found, result.findings
    if found:
        f = result.findings[0]
        assert f.object == "query 2" and f.evidence["rows_per_call"] == 5 and f.evidence["calls_ratio"] == 100
        assert f.evidence["window"].startswith("cumulative")


def test_n_plus_one_prefers_the_interval_and_says_so():
    rows = [_row(1, PAGE, 30, 3000), _row(2, ITEMS, 3000, 15000)]
    (f,) = evaluate(frame(statements=_st(rows, interval=True)), None, CAPS, now=T0, only=["n_plus_one"]).findings
    assert f.evidence["window"] == "the 2.0 s between two samples of pg_stat_statements"
    assert f.evidence["calls_per_s"] == 1500


def test_own_statements_are_not_judged_unless_asked():
    own = "SELECT /* pgconsole */ relname FROM pg_class WHERE oid = $1"
    rows = [_row(1, PAGE, 30, 3000), _row(7, own, 3000, 3000)]
    st = _st(rows)
    assert [s.own for s in st.statements if s.row.queryid == 7] == [True]
    assert evaluate(frame(statements=st), None, CAPS, now=T0, only=["n_plus_one"]).findings == ()
    asked = evaluate(frame(statements=st), None, CAPS, now=T0, only=["n_plus_one"], own_statements=True)
    assert [f.object for f in asked.findings] == ["query 7"]
    assert [s.row.queryid for s in derive.top_statements(st, own=False)] == [1]


# -- hidden statements: no delta, folded ----------------------------------------------------
def test_hidden_statements_are_folded_and_never_get_a_delta():
    a = statement_row(None, userid=20, usename="other", calls=10, total_exec_ms=100.0)
    b = statement_row(None, userid=20, usename="other", calls=1931, total_exec_ms=50.0)
    mine = statement_row(5, calls=12)
    prev = {r.key: r for r in (replace(a, calls=5), replace(mine, calls=2))}
    st = derive.statements([a, b, mine], prev, {5: "SELECT 1"}, 1.0, "public", "1.11")
    folded = [s for s in st.statements if s.hidden]
    assert len(folded) == 1 and folded[0].hidden_entries == 2 and folded[0].row.calls == 1941
    assert folded[0].d_calls is None and folded[0].row.mean_exec_ms == pytest.approx(150 / 1941)
    assert [s.d_calls for s in st.statements if s.row.queryid == 5] == [10]


# -- long statements: maintenance is info --------------------------------------------------
def test_long_maintenance_statement_is_info_and_a_query_a_warning():
    from pgconsole import derive as d
    conns = d.connections([backend(1, query_age_s=90.0, query="SELECT * FROM big"),
                           backend(2, query_age_s=90.0, query="CREATE INDEX CONCURRENTLY i ON t (a)"),
                           backend(3, query_age_s=90.0, query="COPY t TO STDOUT", application_name="pg_dump"),
                           backend(4, query_age_s=30.0)])
    result = evaluate(frame(connections=conns), None, CAPS, now=T0, only=["long_running_query"])
    assert {f.object: f.severity for f in result.findings} == {"pid 1": "warning", "pid 2": "info", "pid 3": "info"}


# -- blindness ---------------------------------------------------------------------------------
def test_a_check_that_sees_part_of_its_input_is_partial_and_the_result_blind():
    from pgconsole import derive as d
    conns = d.connections([backend(1, state="idle"), backend(2, usename="other", state=None, backend_type=None,
                                                              query="<insufficient privilege>")],
                          limited="other roles' queries and states are hidden: GRANT pg_read_all_stats TO mon;")
    assert conns.counts_by_state == {"idle": 1, "hidden": 1}
    result = evaluate(frame(connections=conns), None, CAPS, now=T0,
                      only=["idle_in_transaction", "long_running_query", "pg_stat_statements_missing"])
    by = {s.check: s for s in result.checks}
    assert by["idle_in_transaction"].state == "partial" and by["idle_in_transaction"].blind
    assert by["idle_in_transaction"].hint == "GRANT pg_read_all_stats TO mon;"
    assert by["pg_stat_statements_missing"].state == "ran"
    assert len(result.blind()) == 2 and "their silence proves nothing" in result.blind_summary()
    assert by["long_running_query"].line().startswith("partial, 0 finding(s): other roles' sessions are hidden")


def test_refused_input_is_blind_a_missing_extension_is_not():
    from pgconsole.snapshots import Unavailable
    refused = frame(statements=Unavailable("statements", "permission denied (x)", "GRANT pg_monitor TO mon;"))
    missing = frame(statements=Unavailable("statements", "pg_stat_statements is not installed", "CREATE EXTENSION"))
    assert evaluate(refused, None, CAPS, now=T0, only=["slow_query"]).checks[0].blind
    assert not evaluate(missing, None, CAPS, now=T0, only=["slow_query"]).checks[0].blind
    assert FindingsResult((), (CheckStatus("x", "y", True),), Thresholds(), T0).blind_summary() is None


# -- pools ---------------------------------------------------------------------------------------
def test_sessions_are_grouped_by_application_user_and_address():
    from pgconsole import derive as d
    now = d.connections([backend(i, state="idle", state_age_s=400.0 + i) for i in range(1, 25)]
                        + [backend(30, state="active"), backend(31, application_name="cron", client_addr=None,
                                                                client_port=-1, state="idle")])
    before = d.connections([backend(i, state="active") for i in range(1, 5)])
    (web, cron) = pools(now, [before])
    assert (web.sessions, web.active, web.idle, web.peak_busy, web.samples) == (25, 1, 24, 4, 2)
    assert web.idle_over == 24 and web.longest_idle_s == 424.0 and cron.client == "local"
    result = evaluate(frame(connections=now), None, CAPS, now=T0, only=["oversized_pool"],
                      earlier=frame(connections=before))
    (f,) = result.findings
    assert f.severity == "warning" and f.object == "web / app @ 10.0.0.5" and f.evidence["peak_busy"] == 4
    assert "PgBouncer" in f.remedy and "busiest of 2 samples" in f.evidence["window"]
    busy = d.connections([backend(i, state="active") for i in range(1, 25)])
    assert evaluate(frame(connections=busy), None, CAPS, now=T0, only=["oversized_pool"]).findings == ()


def test_saturation_by_idle_pools_names_pgbouncer():
    from pgconsole import derive as d
    from pgconsole.snapshots import Overview
    ov = Overview(row=overview_row(connections_used=90), databases=(), interval_s=None, tps=None,
                  rows_read_per_s=None, rows_written_per_s=None, temp_bytes_per_s=None, deadlocks_delta=None,
                  hit_ratio=None, hit_ratio_interval=None)
    conns = d.connections([backend(i, state="idle") for i in range(1, 80)]
                          + [backend(i, state="active") for i in range(80, 91)])
    (f,) = evaluate(frame(overview=ov, connections=conns), None, CAPS, now=T0,
                    only=["connection_saturation"]).findings
    assert "idle" in f.message and f.remedy.startswith("SELECT pg_terminate_backend(pid)")
    assert "PgBouncer" in f.remedy and f.evidence["largest_idle_pools"][0]["idle"] == 79


# -- the marker and literals ------------------------------------------------------------------
def test_every_loaded_statement_carries_the_marker_after_its_first_keyword():
    assert sqlfiles.mark("-- a comment\n/* b */ SELECT 1") == "-- a comment\n/* b */ SELECT /* pgconsole */ 1"
    assert sqlfiles.mark("WITH x AS (SELECT 1) SELECT * FROM x").startswith("WITH /* pgconsole */ x")
    for name in sqlfiles.all_queries():
        for _, fname in sqlfiles.variants(name):
            text = sqlfiles._read(name, fname)
            assert (sqlfiles.MARKER in text) != name.startswith("demo_"), (name, fname)
    assert sqlfiles.is_own("SELECT /* pgconsole */ $1") and not sqlfiles.is_own(None)


def test_quote_literal_is_right_whatever_standard_conforming_strings_says():
    assert quote_literal("it's") == "'it''s'"
    assert quote_literal("a\\b'") == "E'a\\\\b'''"


def test_pids_and_query_ids_are_never_printed_as_quantities():
    from pgconsole import derive as d
    from pgconsole.findings.catalog_rows import Catalog as Cat
    from pgconsole.report import render_md, sections_activity
    from pgconsole.report.cells import evidence_value
    from pgconsole.report.data import ReportData

    conns = d.connections([backend(123456, state="active", query_age_s=5.0)])
    f = frame(connections=conns)
    data = ReportData(target="t", caps=CAPS, first=f, frame=f, catalog=Cat(T0, {}),
                      findings=FindingsResult((), (), Thresholds(), T0), interval_s=1.0, pgss_reset=None)
    text = "\n".join(render_md._section(sections_activity.connections(data), {}))
    assert "| 123456 |" in text and "123,456" not in text
    assert evidence_value(1234567, "pid") == "1234567" and evidence_value(-98765432, "queryid") == "-98765432"
