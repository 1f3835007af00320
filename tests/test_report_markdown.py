"""The Markdown report under hostile names: rendered by a real CommonMark renderer
(markdown-it-py, with GFM tables and strikethrough), a name is its characters, never HTML,
a link, an image, emphasis, a heading, a list or a broken table cell; a backtick in a statement
or a remedy never closes its code."""

from __future__ import annotations

import ast
import html
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from pgconsole.findings.model import Finding, FindingsResult, Thresholds
from pgconsole.report import render
from pgconsole.report.model import Fact, Report, Section, col, table
from pgconsole.untrusted import md_code, md_fence, md_text

HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example)",
    "![pixel](https://evil.example/p.png)",
    "<script>alert(1)</script>",
    "<https://evil.example/auto>",
    "**bold** _em_ ~~gone~~ *it*",
    "# heading",
    "- item",
    "1. first",
    "a|b|c",
    "&lt;img src=x&gt; &amp;",
    "back\\slash \\[x\\] \\",
    "tick`s ``double``",
    "trailing #",
    "===",
]
STATEMENT = "SELECT '`' || $1 /* ``` | <img src=x> [l](https://evil.example) */"
REMEDY = 'DROP INDEX public."x\n```\n<b>x</b>";  -- ````'


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _report() -> Report:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
    rows = [(name, 1024, STATEMENT) for name in HOSTILE]
    sec = Section("indexes", "Indexes", now, "pg_stat_user_indexes",
                  facts=(Fact("owner", "owner", HOSTILE[0]),),
                  tables=(table("t", "Tables", [col("name"), col("size", kind="bytes"), col("query", kind="code")],
                                rows, note=HOSTILE[1]),),
                  notes=(HOSTILE[2],), unavailable=(f"permission denied for {HOSTILE[3]}",))
    finding = Finding("unused_index", "warning", HOSTILE[0], f"index {HOSTILE[1]} was never used",
                      evidence={"index": HOSTILE[2], "table": HOSTILE[9]}, remedy=REMEDY)
    result = FindingsResult((finding,), (), Thresholds(), now)
    findings = Section("findings", "Findings", now, "checks")
    return Report(now, {"database": HOSTILE[0], "target": f"host=x dbname={HOSTILE[1]}", "version": "18.1"},
                  (sec, findings), result, 0.5)


@pytest.fixture(scope="module")
def rendered():
    md = render(_report(), "md")
    return md, _md().render(md)


def test_no_name_becomes_html_a_link_or_an_image(rendered):
    _, page = rendered
    assert "<img" not in page and "<script" not in page and "<b>" not in page
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page)), page
    assert "<del>" not in page and "<strong>bold" not in page and "<em>em</em>" not in page \
        and "<em>it</em>" not in page
    assert page.count("<h1>") == 1 and "<ol" not in page
    assert not re.search(r"<h[1-6]>[^<]*heading", page)


def test_every_name_reads_literally(rendered):
    _, page = rendered
    text = _text(page)
    for name in HOSTILE:
        assert name in text, name
    assert STATEMENT in text
    assert f"index {HOSTILE[1]} was never used" in text


def test_table_cells_stay_cells(rendered):
    _, page = rendered
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == len(HOSTILE)
    for row, name in zip(rows, HOSTILE):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert len(cells) == 3 and html.unescape(re.sub(r"<[^>]+>", "", cells[0])) == name
        assert html.unescape(re.sub(r"<[^>]+>", "", cells[2])) == STATEMENT


def test_the_remedy_block_is_not_closed_by_a_name(rendered):
    _, page = rendered
    blocks = re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", page, re.S)
    assert [html.unescape(b) for b in blocks] == [REMEDY.replace(";  ", ";\n") + "\n"]


@pytest.mark.parametrize("text", HOSTILE + ["pg_stat_statements", "public.orders", "12.5%", "-5", "www.evil.example",
                                            "mail@evil.example", "https://evil.example"])
def test_md_text_renders_as_itself(text):
    out = md_text(text)
    assert _text(_md().render(out)).strip() == text
    assert "<a" not in _md().render(out)


def test_md_text_keeps_plain_names_readable():
    assert md_text("pg_stat_statements") == "pg_stat_statements"
    assert md_text("public.orders") == "public.orders"
    assert md_text("https://evil.example") == "https\\://evil.example"   # no GFM autolink
    assert md_text("esc\x1b[2J") == "esc\\\\x1b\\[2J"                     # control characters shown


@pytest.mark.parametrize("text", ["a`b", "``x``", "`", " lead", "trail ", "a|b", "<img src=x>"])
def test_md_code_fence_outlasts_any_backtick_run(text):
    page = _md().render(md_code(text))
    assert re.fullmatch(r"<p><code>(.*)</code></p>\n", page, re.S), page
    assert html.unescape(page[len("<p><code>"):-len("</code></p>\n")]) == text


def test_md_fence_outlasts_any_backtick_run():
    lines = md_fence("a\n````\nb", "sql")
    assert lines[0] == "`````sql" and lines[-1] == "`````"


def test_render_md_puts_every_value_through_the_boundary():
    """In render_md every interpolated value is _t(...) or _code(...), or one of the report's
    own numbers and ids: a new field added without them fails here."""
    own = {"by_check[c]", "report.duration_s", "counts", "len(t.rows)", "t.total", "', '.join(related)",
           "len(r.by_severity(sev))", "sev", "sec.id", "f.severity", "sev.capitalize()", "len(group)"}
    path = Path(__file__).resolve().parent.parent / "pgconsole" / "report" / "render_md.py"
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FormattedValue):
            v = node.value
            if not (isinstance(v, ast.Call) and ast.unparse(v.func) in ("_t", "_code")) and ast.unparse(v) not in own:
                bad.append(f"{node.lineno}: {ast.unparse(v)}")
    assert bad == []
