"""The findings engine without a server: thresholds, arithmetic, and a check that breaks."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from pgconsole.capabilities import Capabilities
from pgconsole.findings import CHECK_IDS, CHECKS, Finding, Thresholds, evaluate
from pgconsole.findings.catalog_rows import Catalog, SequenceUsage
from pgconsole.findings.model import display_name, parse_overrides
from pgconsole.findings.statement_checks import first_word
from pgconsole.snapshots import Unavailable

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)
CAPS = Capabilities(version_num=180000, version="18.0", current_database="shop", current_user="mon", own_pid=1,
                    is_superuser=False, read_all_stats=True, monitor=True, signal_backend=False,
                    shared_preload_libraries="pg_stat_statements", track_io_timing=True, is_standby=False,
                    pgss_schema="public", pgss_version="1.11", pgstattuple_schema=None, pgss_available=True)


def seq(**kw) -> SequenceUsage:
    base = dict(seqid=1, schemaname="public", sequencename="s", data_type="bigint", min_value=1,
                max_value=2 ** 63 - 1, increment_by=1, cycle=False, last_value=None, col_schemas=None,
                col_tables=None, col_names=None, col_types=None, column_max=None, column_min=None,
                is_identity=False)
    base.update(kw)
    return SequenceUsage(**base)


def test_every_check_id_has_exactly_one_check():
    assert tuple(CHECKS) == CHECK_IDS and len(CHECK_IDS) == 28


def test_threshold_overrides_are_checked_and_listed():
    th = Thresholds().with_overrides(parse_overrides(["bloat_pct=40", "slow_query_ms = 250"]))
    assert th.bloat_pct == 40 and th.slow_query_ms == 250 and th.xid_age_warn == 500_000_000
    described = {name: (value, unit, doc) for name, value, unit, doc in th.describe()}
    assert described["bloat_pct"][0] == 40 and described["slow_query_ms"][1] == "ms"
    assert all(doc for _, _, doc in described.values())
    with pytest.raises(ValueError, match="unknown threshold"):
        Thresholds().with_overrides({"nope": 1})
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_overrides(["=3"])


def test_sequence_range_counts_the_narrowest_limit_in_its_direction():
    # a bigint sequence feeding an integer column runs out at the column's limit
    s = seq(last_value=1_900_000_000, column_max=2_147_483_647, column_min=-2_147_483_648,
            col_schemas=["public"], col_tables=["t"], col_names=["id"], col_types=["integer"])
    assert s.limits() == (1, 2_147_483_647)
    assert s.used() == pytest.approx(0.8848, abs=1e-4) and s.remaining() == 247_483_647
    # a descending sequence uses its range downwards
    d = seq(min_value=-100, max_value=-1, increment_by=-1, last_value=-91)
    assert d.used() == pytest.approx(90 / 99) and d.remaining() == 9
    # steps of 10 leave a tenth as many values
    assert seq(max_value=1000, increment_by=10, last_value=900).remaining() == 10
    assert seq(last_value=None).used() is None


def test_display_names_quote_only_when_needed():
    assert display_name("public", "orders") == "public.orders"
    assert display_name("Sales", 'odd "name"') == '"Sales"."odd ""name"""'
    assert display_name(None, "Ünï") == '"Ünï"'


def test_first_word_skips_comments_and_parentheses():
    assert first_word("/* app */ -- x\n (SELECT 1)") == "select"
    assert first_word("  with x as (select 1) select * from x") == "with"
    assert first_word(None) is None and first_word("") is None


def test_a_failing_check_reports_itself_and_the_others_still_run():
    def broken(inp, th):
        raise RuntimeError("boom password=hunter2")

    def fine(inp, th):
        return [Finding("invalid_index", "warning", "public.i", "bad", {"n": 1}, None)]

    result = evaluate(None, None, CAPS, now=NOW,
                      checks={"unused_index": (broken, "test"), "invalid_index": (fine, "test")})
    by = {s.check: s for s in result.checks}
    assert not by["unused_index"].ran and "boom" in by["unused_index"].reason
    assert "hunter2" not in by["unused_index"].reason
    assert by["invalid_index"].ran and by["invalid_index"].count == 1
    assert [f.object for f in result.findings] == ["public.i"]


def test_refused_inputs_make_checks_unavailable_with_the_reason_and_fix():
    catalog = Catalog(NOW, {"index_usage": Unavailable("index_usage", "permission denied", "GRANT pg_monitor TO mon;")})
    result = evaluate(None, catalog, CAPS, now=NOW)
    by = {s.check: s for s in result.checks}
    assert not by["invalid_index"].ran and "permission denied" in by["invalid_index"].reason
    assert by["invalid_index"].hint == "GRANT pg_monitor TO mon;"
    assert not by["blocking_lock"].ran and "not collected" in by["blocking_lock"].reason
    assert not by["sequence_near_limit"].ran and "not run" in by["sequence_near_limit"].reason
    # the one check that needs only the capabilities still runs
    assert by["pg_stat_statements_missing"].ran and result.findings == ()


def test_pg_stat_statements_missing_names_the_step_that_is_missing():
    cases = {
        (None, "pg_stat_statements"): "CREATE EXTENSION pg_stat_statements;",
        ("public", ""): "shared_preload_libraries",
        (None, ""): "then in shop: CREATE EXTENSION",
    }
    for (schema, libs), fix in cases.items():
        caps = replace(CAPS, pgss_schema=schema, shared_preload_libraries=libs)
        result = evaluate(None, None, caps, now=NOW, only=["pg_stat_statements_missing"])
        (f,) = result.findings
        assert f.object == "shop" and fix in f.remedy and f.severity == "info"
    ok = evaluate(None, None, CAPS, now=NOW, only=["pg_stat_statements_missing"])
    assert ok.findings == ()
    # this role may not read shared_preload_libraries: installed counts, no guess about loading
    unknown = evaluate(None, None, replace(CAPS, shared_preload_libraries=None), now=NOW,
                       only=["pg_stat_statements_missing"])
    assert unknown.findings == ()


def test_findings_sort_most_severe_first_and_reject_unknown_ids():
    a = Finding("dead_tuples", "warning", "public.b", "m")
    b = Finding("blocking_lock", "critical", "pid 1", "m")
    c = Finding("table_bloat", "info", "public.a", "m")
    from pgconsole.findings.model import sort_findings
    assert [f.severity for f in sort_findings([c, a, b])] == ["critical", "warning", "info"]
    with pytest.raises(ValueError):
        Finding("no_such_check", "warning", "x", "m")
    with pytest.raises(ValueError):
        Finding("dead_tuples", "fatal", "x", "m")


def test_readme_thresholds_table_shows_every_threshold_and_its_default():
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = text[text.index("| name | default | unit | meaning |"):]
    rows = dict(re.findall(r"^\| `(\w+)` \| (\d[\d.]*)", table[:table.index("\n\n")], re.M))
    assert {n: float(v) for n, v in rows.items()} == {n: v for n, v, _, _ in Thresholds().describe()}
    checks = text[text.index("| check | finds | severity |"):]
    listed = set(re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", checks[:checks.index("\n\n")], re.M))
    assert {c for pair in listed for c in pair if c} == set(CHECK_IDS)
