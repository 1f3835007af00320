"""A few rows of block characters for a series (TPS over time), ASCII when asked."""

from __future__ import annotations

_BLOCKS = " ▁▂▃▄▅▆▇█"
_ASCII = " .:-=+*#@"


def bars(values: list[float] | tuple[float, ...], width: int, height: int = 4,
         ascii_only: bool = False, top: float | None = None) -> list[str]:
    """Rows (top first) of a bar chart of the last `width` values, scaled to `top`
    (default: their maximum). Each row is exactly `width` characters."""
    glyphs = _ASCII if ascii_only else _BLOCKS
    steps = len(glyphs) - 1
    vals = list(values)[-width:] if width > 0 else []
    hi = top if top is not None else max(vals, default=0.0)
    rows = []
    for r in range(height - 1, -1, -1):
        line = []
        for v in vals:
            level = (max(v, 0.0) / hi * height * steps) if hi > 0 else 0.0
            cell = int(round(min(max(level - r * steps, 0), steps)))
            line.append(glyphs[cell])
        rows.append("".join(line).rjust(width))
    return rows
