"""The health report: measured sections plus findings, as markdown, JSON or HTML."""

from __future__ import annotations

from ..untrusted import visible
from .build import assemble, build, measure
from .model import Report

FORMATS = ("md", "json", "html")


def render(report: Report, fmt: str) -> str:
    if fmt == "md":
        from .render_md import render as r
    elif fmt == "json":
        from .render_json import render as r
    elif fmt == "html":
        from .render_html import render as r
    else:
        raise ValueError(f"unknown format {fmt!r}")
    text = r(report)
    # names, statements and messages came from the server: in a document read on a terminal or in a
    # browser no control character may act (JSON escapes them itself and keeps the exact values)
    return text if fmt == "json" else visible(text, multiline=True)


__all__ = ["FORMATS", "Report", "assemble", "build", "measure", "render"]
