"""The markdown form: reads as plain text, renders as GitHub-flavoured markdown."""

from __future__ import annotations

from ..findings.model import SEVERITIES, Finding
from .cells import cell, evidence_value
from .data import when
from .model import Report, Section, Table

CODE_WIDTH = 100


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(t: Table) -> list[str]:
    out = [f"#### {t.title}", ""]
    if not t.rows:
        return out + ["_none_", ""]
    out.append("| " + " | ".join(_esc(c.title) for c in t.columns) + " |")
    out.append("|" + "|".join("---:" if c.kind in ("int", "num", "bytes", "ratio", "pct", "s", "ms") else "---"
                              for c in t.columns) + "|")
    for r in t.rows:
        cells = []
        for c, v in zip(t.columns, r):
            text = _esc(cell(v, c.kind, CODE_WIDTH if c.kind == "code" else None))
            cells.append(f"`{text}`" if c.kind == "code" and v is not None else text)
        out.append("| " + " | ".join(cells) + " |")
    if t.total is not None:
        out.append(f"\n_{len(t.rows)} of {t.total} shown._")
    if t.note:
        out.append(f"\n_{t.note}_")
    return out + [""]


def _section(s: Section, by_check: dict[str, int], before_tables: list[str] = ()) -> list[str]:
    out = [f"## {s.title}", "", f"_Measured {when(s.measured_at)}: {s.method}._", ""]
    related = [f"{c} ({by_check[c]})" for c in s.checks if by_check.get(c)]
    if related:
        out += [f"Findings here: {', '.join(related)} — see [Findings](#findings).", ""]
    for u in s.unavailable:
        out.append(f"> **Not measured:** {u}")
    if s.unavailable:
        out.append("")
    for f in s.facts:
        out.append(f"- {f.label}: **{cell(f.value, f.kind)}**")
    if s.facts:
        out.append("")
    for n in s.notes:
        out += [f"> {n}", ""]
    out += before_tables
    for t in s.tables:
        out += _table(t)
    return out


def _finding(f: Finding) -> list[str]:
    out = [f"#### `{f.check}` — {f.object}", "", f.message, ""]
    for k, v in f.evidence.items():
        out.append(f"- {k}: {_esc(evidence_value(v, k))}")
    if f.remedy:
        out += ["", "Remedy:", "", "```sql", f.remedy.replace(";  ", ";\n"), "```"]
    return out + [""]


def render(report: Report) -> str:
    r = report.findings
    s = report.server
    counts = ", ".join(f"{len(r.by_severity(sev))} {sev}" for sev in reversed(SEVERITIES))
    out = [f"# {s.get('title') or 'PostgreSQL health report: ' + s['database']}", "",
           f"{s['target']} · PostgreSQL {s['version']} · generated {when(report.generated_at)} "
           f"in {report.duration_s:.1f} s", "",
           f"**Findings: {counts}.** Every figure below was measured on this server; each section says when "
           "and how.", ""]
    top = r.at_least("warning")
    if top:
        out += [f"- **{f.severity}** `{f.check}` {f.object}: {_esc(f.message)}" for f in top] + [""]
    out += ["Contents: " + " · ".join(f"[{sec.title}](#{sec.id})" for sec in report.sections), ""]
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
