"""`pgconsole report` end to end on the real server: formats, --fail-on, atomic -o, bad input."""

from __future__ import annotations

import json
import os

import pytest

from findings_support import connect, database, flush_stats, run
from pgconsole import cli
from pgconsole.findings.model import CHECK_IDS, Thresholds

PLANTED = """
CREATE TABLE keyless (a int, b text);
INSERT INTO keyless SELECT g, 'x' FROM generate_series(1, 2000) g;
UPDATE keyless SET b = 'y' WHERE a <= 10;
CREATE SEQUENCE nearly MAXVALUE 100;
SELECT setval('nearly', 80);
CREATE TABLE "Mixed Case" (id int PRIMARY KEY, note text);
INSERT INTO "Mixed Case" VALUES (1, '<b>&amp; | pipes</b>');
"""


async def _plant(params):
    conn = await connect(params)
    try:
        await conn.execute(PLANTED)
        # markup in a table name reaches the report's capacity and coverage tables
        await conn.execute('CREATE TABLE "<script>alert(1)</script>" (id int PRIMARY KEY)')
        await flush_stats(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def planted(pg_params):
    with database(pg_params, "report") as params:
        run(_plant(params))
        yield params


def conn_args(params) -> list[str]:
    return ["-h", params.host, "-p", str(params.port), "-U", params.user, "-d", params.database]


def report(params, *args) -> int:
    return cli.main(["report", *conn_args(params), "--interval", "0.2", *args])


def test_json_report_has_the_documented_shape(planted, tmp_path, capsys):
    out = tmp_path / "r.json"
    assert report(planted, "-o", str(out), "--threshold", "pk_min_rows=100") == 0
    assert "wrote" in capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert set(doc) == {"generated_at", "server", "sections", "findings"}
    assert doc["server"]["database"] == planted.database and doc["server"]["version_num"] >= 130000
    sections = {s["id"]: s for s in doc["sections"]}
    assert set(sections) == {"server", "connections", "pools", "locks", "cache", "statements", "indexes", "bloat",
                             "horizon", "sequences", "capacity", "replication", "findings"}
    for s in doc["sections"]:
        assert set(s) >= {"id", "title", "measured_at", "method", "facts", "tables", "notes", "unavailable"}
    found = {(f["check"], f["object"]): f for f in doc["findings"]}
    keyless = found[("table_without_primary_key", "public.keyless")]
    assert keyless["severity"] == "warning" and keyless["evidence"]["updates_deletes"] >= 10
    assert keyless["remedy"].startswith('ALTER TABLE "public"."keyless" ADD PRIMARY KEY')
    assert found[("sequence_near_limit", "public.nearly")]["severity"] == "warning"
    thresholds = {r["name"]: r["value"] for r in sections["findings"]["tables"]["thresholds"]["rows"]}
    assert thresholds["pk_min_rows"] == 100 and set(thresholds) == set(Thresholds.names())
    checks = [r["check"] for r in sections["findings"]["tables"]["checks"]["rows"]]
    assert checks == list(CHECK_IDS)
    seqs = {r["sequence"]: r for r in sections["sequences"]["tables"]["sequences"]["rows"]}
    assert seqs["public.nearly"]["last_value"] == 80 and seqs["public.nearly"]["limit"] == 100


def test_markdown_and_html_escape_what_the_database_holds(planted, tmp_path):
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert report(planted, "-o", str(md)) == 0
    assert report(planted, "-o", str(html)) == 0           # format from the extension
    text = md.read_text()
    assert text.startswith(f"# PostgreSQL health report: {planted.database}")
    for title in ("## Server and settings", "## Indexes", "## Sequences and wraparound", "## Findings",
                  "### Warning"):
        assert title in text
    assert "_Measured " in text and '"Mixed Case"' in text
    assert "\\|" in text or "pipes" not in text              # pipes inside cells are escaped
    page = html.read_text()
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<link" not in page and "src=" not in page      # nothing fetched from elsewhere


def test_fail_on_exits_1_only_at_or_above_the_level(planted, tmp_path, pg_params, capsys):
    # warnings only (the sequence is at 80%: below the critical 90%)
    assert report(planted, "--format", "json", "--fail-on", "critical", "--threshold", "pk_min_rows=100") == 0
    assert report(planted, "--format", "json", "--fail-on", "warning", "--threshold", "pk_min_rows=100") == 1
    assert report(planted, "--format", "json", "--fail-on", "critical", "--threshold", "sequence_critical=0.5") == 1
    capsys.readouterr()
    with database(pg_params, "clean") as clean:
        assert report(clean, "--format", "md", "--fail-on", "warning") == 0
        assert "0 critical, 0 warning" in capsys.readouterr().out


def test_failure_never_leaves_a_half_written_report(planted, tmp_path, capsys):
    out = tmp_path / "keep.html"
    out.write_text("previous report")
    bad = planted.with_database("no_such_database_here")
    assert report(bad, "-o", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("pgconsole: error:") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out.read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.html"]   # no temporary file left behind
    # an unwritable destination is one clear line too, and nothing appears
    assert report(planted, "-o", str(tmp_path / "missing" / "r.md")) == 2
    assert "cannot write" in capsys.readouterr().err
    assert report(planted, "-o", str(tmp_path)) == 2
    assert "is a directory" in capsys.readouterr().err


def test_successful_write_replaces_the_file_keeping_its_mode(planted, tmp_path):
    out = tmp_path / "r.md"
    out.write_text("old")
    os.chmod(out, 0o640)
    assert report(planted, "-o", str(out)) == 0
    assert out.read_text().startswith("# PostgreSQL health report") and (out.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


@pytest.mark.parametrize("bad, message", [
    (["--threshold", "no_such=1"], "unknown threshold 'no_such'"),
    (["--threshold", "bloat_pct=lots"], "needs a number"),
    (["--threshold", "bloat_pct"], "expected NAME=VALUE"),
    (["--threshold", "bloat_pct=-1"], "must not be negative"),
    (["--interval", "-1"], "--interval: must not be negative"),
])
def test_bad_options_are_one_clear_line(planted, capsys, bad, message):
    assert report(planted, *bad) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_output_extension_picks_the_format_or_is_refused(planted, tmp_path, capsys):
    # an extension that names no format is refused before connecting, and nothing is written
    assert report(planted, "-o", str(tmp_path / "rep.pdf")) == 2
    err = capsys.readouterr().err
    assert "cannot tell the format of" in err and "--format" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())
    # --format says it for any name; a known extension picks it; no extension is Markdown
    assert report(planted, "-o", str(tmp_path / "rep.pdf"), "--format", "html") == 0
    assert (tmp_path / "rep.pdf").read_text().lstrip().lower().startswith("<!doctype html")
    assert report(planted, "-o", str(tmp_path / "r.JSON")) == 0
    assert json.loads((tmp_path / "r.JSON").read_text())["findings"] is not None
    assert report(planted, "-o", str(tmp_path / "plain")) == 0
    assert (tmp_path / "plain").read_text().startswith("# PostgreSQL health report")


def test_a_monitoring_role_gets_the_report_with_what_it_may_see(planted, make_role, capsys, monkeypatch):
    role = make_role("report_monitor", ("pg_monitor",), database=planted.database)
    monkeypatch.setenv("PGPASSWORD", role.password)   # as a user would: never on the command line
    assert report(role, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    ran = {r["check"]: r["ran"] for s in doc["sections"] if s["id"] == "findings"
           for r in s["tables"]["checks"]["rows"]}
    assert all(ran.values()), ran    # pg_monitor is enough for every check
    # sequences this role may not read have no last value: no finding built on a guess
    assert not [f for f in doc["findings"] if f["check"] == "sequence_near_limit"]


def test_settings_are_the_servers_and_pgconsoles_own_are_apart(planted, capsys):
    assert report(planted, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    server = next(s for s in doc["sections"] if s["id"] == "server")
    settings = {r["name"]: r for r in server["tables"]["settings"]["rows"]}
    # the monitoring session runs with statement_timeout 5 s and no parallel workers: not the server's
    assert settings["statement_timeout"]["value"] == "0" and settings["statement_timeout"]["source"] == "default"
    assert settings["max_parallel_workers_per_gather"]["value"] == "2"
    own = {r["name"]: r for r in server["tables"]["pgconsole_session"]["rows"]}
    assert own["statement_timeout"] == {"name": "statement_timeout", "pgconsole_value": "5000", "server_value": "0"}
    assert own["max_parallel_workers_per_gather"]["pgconsole_value"] == "0"


def test_pgconsoles_own_statements_are_left_out_unless_asked(planted, capsys):
    def statements(*args):
        assert report(planted, "--format", "json", *args) == 0
        doc = json.loads(capsys.readouterr().out)
        section = next(s for s in doc["sections"] if s["id"] == "statements")
        return section, doc["findings"]

    section, found = statements()
    queries = [r["query"] or "" for t in section["tables"].values() for r in t["rows"] if "query" in r]
    assert queries and not any("/* pgconsole */" in q for q in queries)
    assert section["facts"]["own_statements"] > 0          # counted, so their cost stays visible
    assert not any("/* pgconsole */" in (f["evidence"].get("query") or "") for f in found)
    shown, _ = statements("--show-own")
    assert any("/* pgconsole */" in (r["query"] or "") for r in shown["tables"]["by_total"]["rows"])
