"""Text sparklines: Unicode blocks, or an ASCII ramp for terminals that mangle them."""

from __future__ import annotations

from typing import Sequence

BLOCKS = "▁▂▃▄▅▆▇█"
ASCII = "_.-:=+*#"


def sparkline(values: Sequence[float | None], width: int, ascii: bool = False,
              floor: float | None = None, min_span: float = 0.0) -> str:
    """The last `width` values scaled between their min (or `floor`) and max.

    `min_span` keeps a flat series flat: a hit ratio wobbling between 99.1% and 99.2%
    should not draw as a mountain range. `floor` pins the bottom (0 for rates).
    Missing values draw as spaces.
    """
    ramp = ASCII if ascii else BLOCKS
    vals = list(values)[-width:] if width > 0 else []
    present = [v for v in vals if v is not None]
    if not present:
        return " " * max(width, 0)
    lo = min(present) if floor is None else min(floor, min(present))
    hi = max(present)
    if floor is None and hi - lo < min_span:
        lo = hi - min_span  # a flat series sits at the top of its band
    span = hi - lo
    if span <= 0:
        return "".join(" " if v is None else ramp[0] for v in vals).rjust(width)
    top = len(ramp) - 1   # (three of these a frame in the header: no call per value)
    out = []
    for v in vals:
        if v is None:
            out.append(" ")
        else:
            i = int((v - lo) / span * top + 0.5)
            out.append(ramp[0 if i < 0 else top if i > top else i])
    return "".join(out).rjust(width)
