"""The health report: measured sections plus findings, as markdown, JSON or HTML."""

from __future__ import annotations

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
    return r(report)


__all__ = ["FORMATS", "Report", "assemble", "build", "measure", "render"]
