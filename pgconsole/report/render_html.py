"""The HTML form: one self-contained file (inline CSS, no scripts, no external assets)."""

from __future__ import annotations

from html import escape

from ..findings.model import SEVERITIES, Finding
from .cells import cell, evidence_value
from .data import when
from .model import Report, Section, Table

NUMERIC = frozenset({"int", "num", "bytes", "ratio", "pct", "s", "ms"})
CODE_WIDTH = 140

CSS = """
:root { --fg:#1d2433; --muted:#5b6477; --line:#dfe3ea; --bg:#ffffff; --soft:#f5f7fa;
  --critical:#b42318; --critical-bg:#fef3f2; --warning:#b54708; --warning-bg:#fffaeb;
  --info:#175cd3; --info-bg:#eff8ff; --ok:#067647; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
  color:var(--fg); background:var(--soft); }
main { max-width:1180px; margin:0 auto; padding:24px 28px 64px; background:var(--bg); min-height:100vh; }
h1 { font-size:26px; margin:0 0 4px; } h2 { font-size:20px; margin:36px 0 4px; padding-top:12px;
  border-top:2px solid var(--line); } h3 { font-size:16px; margin:22px 0 8px; } h4 { font-size:14px;
  margin:18px 0 6px; color:var(--muted); text-transform:uppercase; letter-spacing:.03em; }
.meta, .measured { color:var(--muted); font-size:13px; margin:0 0 12px; }
.cards { display:flex; gap:12px; margin:18px 0; flex-wrap:wrap; }
.card { flex:1 1 150px; border:1px solid var(--line); border-radius:8px; padding:10px 14px; }
.card b { display:block; font-size:28px; line-height:1.1; }
.card.critical b { color:var(--critical); } .card.warning b { color:var(--warning); }
.card.info b { color:var(--info); } .card.checks b { color:var(--ok); }
nav { font-size:14px; margin:8px 0 4px; } nav a { margin-right:14px; white-space:nowrap; }
a { color:#1849a9; text-decoration:none; } a:hover { text-decoration:underline; }
ul.top { padding-left:0; list-style:none; margin:8px 0; } ul.top li { margin:4px 0; }
.badge { display:inline-block; font-size:11px; font-weight:700; text-transform:uppercase; border-radius:10px;
  padding:1px 8px; margin-right:6px; vertical-align:1px; }
.badge.critical { color:var(--critical); background:var(--critical-bg); border:1px solid var(--critical); }
.badge.warning { color:var(--warning); background:var(--warning-bg); border:1px solid var(--warning); }
.badge.info { color:var(--info); background:var(--info-bg); border:1px solid var(--info); }
dl.facts { display:grid; grid-template-columns:repeat(auto-fill,minmax(260px,1fr)); gap:6px 18px; margin:10px 0; }
dl.facts div { border-bottom:1px dotted var(--line); padding:2px 0; display:flex; justify-content:space-between; gap:8px; }
dl.facts dt { color:var(--muted); font-size:13px; } dl.facts dd { margin:0; font-weight:600; text-align:right;
  min-width:0; overflow-wrap:anywhere; }
.scroll { overflow-x:auto; margin:6px 0 4px; }
table { border-collapse:collapse; font-size:13px; width:100%; }
th, td { border-bottom:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:var(--soft); font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; color:#344054; }
.none, .note { color:var(--muted); font-size:13px; font-style:italic; margin:4px 0; }
.unavail { background:var(--warning-bg); border-left:4px solid var(--warning); padding:6px 10px; font-size:13px; }
.notice { background:var(--soft); border-left:4px solid var(--line); padding:6px 10px; font-size:13px; }
article.finding { border:1px solid var(--line); border-left:5px solid var(--info); border-radius:6px;
  padding:10px 14px; margin:10px 0; }
article.finding.critical { border-left-color:var(--critical); } article.finding.warning { border-left-color:var(--warning); }
article.finding header { font-weight:600; } article.finding header code { font-weight:400; }
article.finding p { margin:6px 0; }
details summary { cursor:pointer; color:var(--muted); font-size:13px; }
table.evidence td:first-child { color:var(--muted); white-space:nowrap; width:1%; }
pre { background:#0f172a; color:#e2e8f0; padding:10px 12px; border-radius:6px; overflow-x:auto;
  font-size:12.5px; white-space:pre-wrap; word-break:break-word; }
footer { margin-top:40px; color:var(--muted); font-size:12px; }
@media print { body { background:#fff; } main { padding:0; } pre { color:#000; background:#f2f2f2; } }
"""


def _table(t: Table) -> str:
    parts = [f"<h4>{escape(t.title)}</h4>"]
    if not t.rows:
        return parts[0] + '<p class="none">none</p>'
    head = "".join(f'<th class="num">{escape(c.title)}</th>' if c.kind in NUMERIC else f"<th>{escape(c.title)}</th>"
                   for c in t.columns)
    body = []
    for r in t.rows:
        tds = []
        for c, v in zip(t.columns, r):
            text = escape(cell(v, c.kind, CODE_WIDTH if c.kind == "code" else None))
            cls = "num" if c.kind in NUMERIC else "code" if c.kind == "code" else ""
            title = f' title="{escape(str(v))}"' if c.kind == "code" and v is not None else ""
            tds.append(f'<td class="{cls}"{title}>{text}</td>' if cls or title else f"<td>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')
    if t.total is not None:
        parts.append(f'<p class="note">{len(t.rows)} of {t.total} shown</p>')
    if t.note:
        parts.append(f'<p class="note">{escape(t.note)}</p>')
    return "".join(parts)


def _finding(f: Finding, n: int, section: str | None, titles: dict[str, str]) -> str:
    ev = "".join(f"<tr><td>{escape(k)}</td><td>{escape(evidence_value(v, k))}</td></tr>" for k, v in f.evidence.items())
    where = f' · <a href="#{section}">{escape(titles[section])}</a>' if section else ""
    steps = f.remedy.replace(";  ", ";\n") if f.remedy else ""   # one statement or comment a line
    remedy = f"<p>Remedy:</p><pre><code>{escape(steps)}</code></pre>" if f.remedy else ""
    return (f'<article class="finding {f.severity}" id="f-{n}"><header><span class="badge {f.severity}">'
            f"{f.severity}</span><code>{escape(f.check)}</code> · {escape(f.object)}{where}</header>"
            f"<p>{escape(f.message)}</p><details{' open' if f.severity != 'info' else ''}><summary>Evidence"
            f'</summary><table class="evidence">{ev}</table></details>{remedy}</article>')


def _section(s: Section, extra: str = "") -> str:
    out = [f'<section id="{escape(s.id)}"><h2>{escape(s.title)}</h2>',
           f'<p class="measured">Measured {escape(when(s.measured_at))}: {escape(s.method)}.</p>']
    out += [f'<p class="unavail"><b>Not measured:</b> {escape(u)}</p>' for u in s.unavailable]
    if s.facts:
        out.append('<dl class="facts">' + "".join(
            f"<div><dt>{escape(f.label)}</dt><dd>{escape(cell(f.value, f.kind))}</dd></div>" for f in s.facts)
            + "</dl>")
    out += [f'<p class="notice">{escape(n)}</p>' for n in s.notes]
    out.append(extra)
    out += [_table(t) for t in s.tables]
    return "".join(out) + "</section>"


def render(report: Report) -> str:
    r, srv = report.findings, report.server
    section_of = {c: s.id for s in report.sections for c in s.checks}
    titles = {s.id: s.title for s in report.sections}
    numbered = {id(f): i for i, f in enumerate(r.findings, 1)}
    cards = "".join(f'<div class="card {sev}"><b>{len(r.by_severity(sev))}</b>{sev}</div>'
                    for sev in reversed(SEVERITIES))
    ran = sum(1 for s in r.checks if s.ran)
    cards += f'<div class="card checks"><b>{ran}/{len(r.checks)}</b>checks run</div>'
    top = "".join(f'<li><span class="badge {f.severity}">{f.severity}</span><a href="#f-{numbered[id(f)]}">'
                  f"<code>{escape(f.check)}</code> {escape(f.object)}</a> — {escape(f.message)}</li>"
                  for f in r.at_least("warning"))
    nav = "".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in report.sections)
    detail = ""
    for sev in reversed(SEVERITIES):
        group = r.by_severity(sev)
        detail += f"<h3>{sev.capitalize()} ({len(group)})</h3>"
        detail += "".join(_finding(f, numbered[id(f)], section_of.get(f.check), titles) for f in group) \
            or '<p class="none">none</p>'
    body = "".join(_section(s, detail if s.id == "findings" else "") for s in report.sections)
    title = srv.get("title") or f"PostgreSQL health report: {srv['database']}"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{escape(title)}</h1><p class=\"meta\">{escape(srv['target'])} · PostgreSQL "
            f"{escape(str(srv['version']))} · generated {escape(when(report.generated_at))} in "
            f"{report.duration_s:.1f} s · every figure measured on this server</p>"
            f'<div class="cards">{cards}</div>'
            + (f'<p class="unavail">{escape(blind)}</p>' if (blind := r.blind_summary()) else "")
            + (f'<ul class="top">{top}</ul>' if top else '<p class="none">no warning or critical findings</p>')
            + f"<nav>{nav}</nav>{body}<footer>pgconsole report · thresholds and check status in "
            f'<a href="#findings">Findings</a></footer></main></body></html>\n')
