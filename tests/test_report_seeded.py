"""A freshly seeded, well-indexed database under light pgbench load: the report must not cry wolf.

Built with the project's own tools: `pgconsole.seed` loads the 'saas' scenario (scale
0.05, about 33,000 rows), `pgconsole.bench` runs `pgbench -i -s 1`, then two light
pgbench runs at 50 tps each (the builtin tpcb-like, and app-like reads and inserts on
the saas tables), and the report is measured while they run. Every warning or
critical finding must be one explained below; the HTML form is then opened in a real
headless browser (Debian's chromium) and a screenshot is kept in tests/artifacts/.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from findings_support import connect, database, run
from pgconsole.bench import BenchConfig, BenchRun
from pgconsole.bench.run import run_bench
from pgconsole.report import build, render
from pgconsole.report.render_json import to_json
from pgconsole.seed import SeedOptions, load_scenario, make_plan, run_seed

ARTIFACTS = Path(__file__).parent / "artifacts"

APP_SCRIPT = r"""
\set org random(1, 100)
SELECT id, name, plan, seats FROM organizations WHERE id = :org;
SELECT id, email, role FROM users WHERE organization_id = :org ORDER BY created_at DESC LIMIT 20;
SELECT id, status, amount FROM subscriptions WHERE organization_id = :org AND status = 'active';
\set attempt random(1, 15000)
SELECT user_id, success, attempted_at FROM auth_attempts WHERE id = :attempt;
INSERT INTO auth_attempts (email, ip, method, success, attempted_at)
    VALUES ('load@example.com', '10.1.2.3', 'password', true, now());
"""

# Every warning or critical finding this database may show, and why it is right to show it.
EXPLAINED = {
    ("fk_without_index", "public.login_sessions"):
        "true: the saas scenario declares login_sessions.device_id REFERENCES device_fingerprints without an "
        "index (login_sessions has only user_id and created_at indexes). At scale 0.05 the table holds "
        "10,000 rows, exactly fk_min_rows, so it is a warning (an info when ANALYZE estimates a few less).",
}


async def _scenario(params, workdir: Path):
    plan = make_plan(load_scenario("saas"), SeedOptions(scale=0.05, seed=7, jobs=0))
    await run_seed(params, plan)
    # the seed analyzes inside its own transaction, so until that is fixed (separately) its
    # tables may read as never analyzed; analyze here so stale_statistics judges the load
    conn = await connect(params)
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    init = await run_bench(params, BenchConfig(init=True, init_only=True, scale=1))
    assert init.status == "initialized", init.error
    script = workdir / "saas_app.sql"
    script.write_text(APP_SCRIPT)
    loads = [BenchRun(params, BenchConfig(clients=2, jobs=1, duration_s=30, rate=50, builtin="tpcb-like")),
             BenchRun(params, BenchConfig(clients=2, jobs=1, duration_s=30, rate=50, builtin=None,
                                          scripts=(str(script),)))]
    try:
        for b in loads:
            await b.start()
        await asyncio.sleep(2.5)              # the load is running, statistics have moved
        report = await build(params, interval=1.0)
    finally:
        for b in loads:
            b.stop()
    results = [await b.wait() for b in loads]
    for r in results:
        assert r.status in ("completed", "interrupted") and r.error is None, r.error
    return report, results


@pytest.fixture(scope="module")
def seeded(pg_params):
    with database(pg_params, "seeded") as params, tempfile.TemporaryDirectory() as tmp:
        report, results = run(_scenario(params, Path(tmp)))
        yield params, report, results


def test_warnings_on_a_healthy_seeded_database_are_few_and_each_explained(seeded):
    _, report, results = seeded
    assert all(r.samples for r in results)   # pgbench ran and reported progress while measured
    loud = [f for f in report.findings.findings if f.severity != "info"]
    unexplained = [(f.check, f.object, f.message) for f in loud if (f.check, f.object) not in EXPLAINED]
    assert unexplained == []
    assert len(loud) <= len(EXPLAINED)
    # every check ran and saw everything: a superuser connection with pg_stat_statements
    assert [s.check for s in report.findings.checks if not s.ran] == [] and report.findings.blind() == ()
    # too young for "unused": the check says why it judged nothing
    unused = next(s for s in report.findings.checks if s.check == "unused_index")
    assert unused.count == 0 and "statistics cover" in unused.reason


def test_info_findings_on_the_seeded_database_are_the_expected_kinds(seeded):
    _, report, _ = seeded
    info = {(f.check, f.object) for f in report.findings.findings if f.severity == "info"}
    # pgbench_history has no key by pgbench's design; reports.created_by has no index but only 1,000 rows;
    # the cumulative hit ratio carries the bulk load while the load itself is served from memory
    allowed_checks = {"table_without_primary_key", "fk_without_index", "low_cache_hit_ratio"}
    assert {c for c, _ in info} <= allowed_checks, info
    cache = [f for f in report.findings.findings if f.check == "low_cache_hit_ratio"]
    for f in cache:
        assert f.severity == "info" and f.evidence["interval_hit_ratio"] >= 0.95


def test_report_sections_say_when_and_how_they_were_measured(seeded):
    _, report, _ = seeded
    doc = to_json(report)
    assert set(doc) == {"generated_at", "server", "sections", "findings"}
    ids = [s["id"] for s in doc["sections"]]
    assert ids == ["server", "connections", "pools", "locks", "cache", "statements", "indexes", "bloat", "horizon",
                   "sequences", "capacity", "replication", "findings"]
    for s in doc["sections"]:
        assert s["measured_at"] and s["method"], s["id"]
        assert s["unavailable"] == [], (s["id"], s["unavailable"])
    by_id = {s["id"]: s for s in doc["sections"]}
    largest = [r["table"] for r in by_id["capacity"]["tables"]["largest_tables"]["rows"]]
    assert "public.pgbench_accounts" in largest and "public.auth_attempts" in largest
    calls = by_id["statements"]["tables"]["by_total"]["rows"]
    assert any("pgbench_accounts" in (r["query"] or "") for r in calls)
    thresholds = {r["name"]: r["value"] for r in by_id["findings"]["tables"]["thresholds"]["rows"]}
    assert thresholds["unused_index_min_days"] == 7 and len(thresholds) == len(report.findings.thresholds.names())
    for f in doc["findings"]:
        assert set(f) == {"check", "severity", "object", "message", "evidence", "remedy", "remedy_sql"}
    json.dumps(doc)  # plain JSON all the way down


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_renders_in_a_headless_browser(seeded):
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    _, report, _ = seeded
    html = render(report, "html")
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "report_seeded.html"
    shot = ARTIFACTS / "report_seeded.png"
    page.write_text(html, encoding="utf-8")
    shot.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}"]
        dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
        subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
                       capture_output=True, timeout=60)
    # the browser parsed the whole document: every section and every finding is in its DOM
    for s in report.sections:
        assert f'<section id="{s.id}">' in dom.stdout
    assert dom.stdout.count('<article class="finding') == len(report.findings.findings)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1280 and int.from_bytes(png[20:24], "big") == 2000
    assert len(png) > 20_000  # a rendered page, not a blank one
