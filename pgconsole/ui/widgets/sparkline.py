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
    out = []
    for v in vals:
        if v is None:
            out.append(" ")
        elif span <= 0:
            out.append(ramp[0])
        else:
            i = int((v - lo) / span * (len(ramp) - 1) + 0.5)
            out.append(ramp[max(0, min(i, len(ramp) - 1))])
    return "".join(out).rjust(width)
