"""Server text with its control and bidi characters shown as escapes (interim).

Pane 7 and the replication parts of `snapshot` and `report` hand every server string to
one local function (`srv()`), which calls this. When the project's display boundary for
untrusted text lands, those functions call it instead and this module goes.
"""

from __future__ import annotations

_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7f, *range(0x80, 0xa0))}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (0x200e, 0x200f, *range(0x202a, 0x202f), *range(0x2066, 0x206a))})


def visible(text: str) -> str:
    return text.translate(_ESCAPES)
