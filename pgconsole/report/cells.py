"""One way to show a raw report value as text, by its kind (shared by markdown and HTML)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .. import fmt


def cell(value: Any, kind: str, width: int | None = None) -> str:
    if value is None:
        return "-"
    if kind == "bytes":
        return fmt.bytes_(value)
    if kind == "ratio":
        return fmt.pct(value, 2 if 0.99 <= value < 1 else 1)
    if kind == "pct":
        return f"{value:.1f}%"
    if kind == "s":
        return fmt.duration(value)
    if kind == "ms":
        return fmt.ms(value)
    if kind == "int":
        return f"{value:,}" if isinstance(value, int) else fmt.num(value)  # no float: bigint limits stay exact
    if kind == "num":
        return f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else fmt.num(value)
    if kind == "ts":
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if isinstance(value, datetime) else str(value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "list":
        return ", ".join(str(v) for v in value) if value else "-"
    if kind == "code":
        return fmt.one_line(str(value), width)
    return str(value) if width is None else fmt.one_line(str(value), width)


IDS = ("pid", "relid", "indexrelid", "seqid", "queryid", "query_id", "conid", "waiting_pids")


def evidence_value(value: Any, key: str = "") -> str:
    """Evidence values as a reader wants them: short lists inline, long text untouched, ids bare."""
    if key in IDS:
        return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return "; ".join(", ".join(f"{k} {evidence_value(v)}" for k, v in item.items()) for item in value)
        return ", ".join(evidence_value(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {evidence_value(v)}" for k, v in value.items())
    if isinstance(value, datetime):
        return value.isoformat()
    return "-" if value is None else str(value)
