"""The markdown form: reads as plain text, renders as GitHub-flavoured markdown.

Everything that is not pgconsole's own markup (every value, name, message, title and
note) goes through `_t` (text) or `_code` / `md_fence` (code) of the untrusted-text
boundary: a table named `<img src=x onerror=...>` or `[click](https://evil.example)`
renders as those characters, not as HTML or a link, and `|` or a backtick in a name
cannot break a table cell or a code span.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..findings.model import SEVERITIES, Finding
from ..untrusted import md_code, md_fence, md_text
from .cells import cell, evidence_value
from .data import when
from .model import Report, Section, Table

CODE_WIDTH = 100
NUMERIC = frozenset({"int", "num", "bytes", "ratio", "pct", "s", "ms"})


def _t(value: Any) -> str:
    """The one way text reaches the document (cells, facts, titles, messages, notes)."""
    return md_text(value)


def _code(value: Any, in_table: bool = False) -> str:
    return md_code(value, in_table)


def _table(t: Table) -> list[str]:
    out = [f"#### {_t(t.title)}", ""]
    if not t.rows:
        return out + ["_none_", ""]
    out.append("| " + " | ".join(_t(c.title) for c in t.columns) + " |")
    out.append("|" + "|".join("---:" if c.kind in NUMERIC else "---" for c in t.columns) + "|")
    for r in t.rows:
        cells = []
        for c, v in zip(t.columns, r):
            text = cell(v, c.kind, CODE_WIDTH if c.kind == "code" else None)
            cells.append(_code(text, in_table=True) if c.kind == "code" and v is not None else _t(text))
        out.append("| " + " | ".join(cells) + " |")
    if t.total is not None:
        out.append(f"\n_{len(t.rows)} of {t.total} shown._")
    if t.note:
        out.append(f"\n_{_t(t.note)}_")
    return out + [""]


def _section(s: Section, by_check: dict[str, int], before_tables: Sequence[str] = ()) -> list[str]:
    out = [f"## {_t(s.title)}", "", f"_Measured {_t(when(s.measured_at))}: {_t(s.method)}._", ""]
    related = [f"{_t(c)} ({by_check[c]})" for c in s.checks if by_check.get(c)]
    if related:
        out += [f"Findings here: {', '.join(related)} — see [Findings](#findings).", ""]
    for u in s.unavailable:
        out.append(f"> **Not measured:** {_t(u)}")
    if s.unavailable:
        out.append("")
    for f in s.facts:
        out.append(f"- {_t(f.label)}: **{_t(cell(f.value, f.kind))}**")
    if s.facts:
        out.append("")
    for n in s.notes:
        out += [f"> {_t(n)}", ""]
    out += before_tables
    for t in s.tables:
        out += _table(t)
    return out


def _finding(f: Finding) -> list[str]:
    out = [f"#### {_code(f.check)} — {_t(f.object)}", "", _t(f.message), ""]
    for k, v in f.evidence.items():
        out.append(f"- {_t(k)}: {_t(evidence_value(v, k))}")
    if f.remedy:
        out += ["", "Remedy:", "", *md_fence(f.remedy.replace(";  ", ";\n"), "sql")]
    return out + [""]


def render(report: Report) -> str:
    r = report.findings
    s = report.server
    counts = ", ".join(f"{len(r.by_severity(sev))} {sev}" for sev in reversed(SEVERITIES))
    out = [f"# {_t(s.get('title') or 'PostgreSQL health report: ' + s['database'])}", "",
           f"{_t(s['target'])} · PostgreSQL {_t(s['version'])} · generated {_t(when(report.generated_at))} "
           f"in {report.duration_s:.1f} s", "",
           f"**Findings: {counts}.** Every figure below was measured on this server; each section says when "
           "and how.", ""]
    if r.blind_summary():
        out += [f"> **Not a clean bill of health:** {_t(r.blind_summary())}", ""]
    top = r.at_least("warning")
    if top:
        out += [f"- **{f.severity}** {_code(f.check)} {_t(f.object)}: {_t(f.message)}" for f in top] + [""]
    out += ["Contents: " + " · ".join(f"[{_t(sec.title)}](#{sec.id})" for sec in report.sections), ""]
    by_check: dict[str, int] = {}
    for f in r.findings:
        by_check[f.check] = by_check.get(f.check, 0) + 1
    for sec in report.sections:
        out.append(f'<a id="{sec.id}"></a>')
        detail: list[str] = []
        if sec.id == "findings":
            for sev in reversed(SEVERITIES):
                group = r.by_severity(sev)
                detail += [f"### {sev.capitalize()} ({len(group)})", ""]
                for f in group:
                    detail += _finding(f)
                if not group:
                    detail += ["_none_", ""]
        out += _section(sec, by_check, detail)
    return "\n".join(out).rstrip() + "\n"
