"""Human-readable figures: bytes, durations, ratios, rates. Shared by CLI and UI."""

from __future__ import annotations


def bytes_(n: float | int | None) -> str:
    if n is None:
        return "-"
    n = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def duration(s: float | None) -> str:
    """Compact age: 0.3s, 42s, 3m12s, 5h03m, 2d04h."""
    if s is None:
        return "-"
    if s < 0:
        s = 0.0
    if s < 10:
        return f"{s:.1f}s"
    if s < 60:
        return f"{s:.0f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m{sec:02d}s"
    h, m = divmod(m, 60)
    if h < 48:
        return f"{h}h{m:02d}m"
    d, h = divmod(h, 24)
    return f"{d}d{h:02d}h"


def pct(r: float | None, digits: int = 1) -> str:
    return "-" if r is None else f"{r * 100:.{digits}f}%"


def num(v: float | int | None, digits: int = 0) -> str:
    if v is None:
        return "-"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}"
    return f"{v:,.0f}"


def ms(v: float | None) -> str:
    if v is None:
        return "-"
    if v >= 60000:
        return duration(v / 1000)
    if v >= 1000:
        return f"{v / 1000:.2f}s"
    return f"{v:.2f}ms" if v < 10 else f"{v:.0f}ms"


def one_line(text: str | None, width: int | None = None) -> str:
    if not text:
        return ""
    s = " ".join(text.split())
    if width and len(s) > width:
        return s[: max(width - 1, 0)] + "…"
    return s
