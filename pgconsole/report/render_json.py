"""The JSON form: top-level keys generated_at, server, sections, findings (documented in the README)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..findings.model import Finding
from .model import Report, Section


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return v


def finding_json(f: Finding) -> dict[str, Any]:
    return {"check": f.check, "severity": f.severity, "object": f.object, "message": f.message,
            "evidence": _plain(f.evidence), "remedy": f.remedy, "remedy_sql": list(f.sql)}


def section_json(s: Section) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for t in s.tables:
        keys = [c.key for c in t.columns]
        tables[t.key] = {"title": t.title, "columns": keys,
                         "rows": [dict(zip(keys, _plain(list(r)))) for r in t.rows],
                         "total_rows": t.total if t.total is not None else len(t.rows), "note": t.note}
    return {"id": s.id, "title": s.title, "measured_at": _plain(s.measured_at), "method": s.method,
            "facts": {f.key: _plain(f.value) for f in s.facts}, "tables": tables, "notes": list(s.notes),
            "unavailable": list(s.unavailable), "checks": list(s.checks)}


def to_json(report: Report) -> dict[str, Any]:
    return {"generated_at": report.generated_at.isoformat(), "server": _plain(report.server),
            "sections": [section_json(s) for s in report.sections],
            "findings": [finding_json(f) for f in report.findings.findings]}


def render(report: Report) -> str:
    return json.dumps(to_json(report), indent=2, default=str) + "\n"
