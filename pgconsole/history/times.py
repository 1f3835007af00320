"""Times and sizes as a user types them: `2026-11-22T03:12`, `03:12`, `-15m`; `24h`; `1GB`.

A time without a date is the latest such local time not after the recording's end
(today's, or the recording's last day). A relative time counts back from the end of the
recording (for a recording still being written: about now). Local times follow TZ.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from ..errors import PgConsoleError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
TIME_FORMS = "ISO (2026-11-22T03:12), a time of day (03:12) or relative (-15m, -2h)"


def parse_duration(text: str) -> float:
    """Seconds in '90s', '15m', '24h', '7d', '1h30m'; a bare number is seconds."""
    t = text.strip().lower()
    try:
        return float(t)
    except ValueError:
        pass
    pos, total = 0, 0.0
    for m in _DURATION.finditer(t):
        if t[pos:m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    else:
        if pos and not t[pos:].strip():
            return total
    raise PgConsoleError(f"cannot read {text!r} as a duration (e.g. 90s, 15m, 24h, 7d)")


def parse_size(text: str) -> int:
    """Bytes in '500MB', '1GB', '2GiB', '1024' (KB and KiB both count 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise PgConsoleError(f"cannot read {text!r} as a size (e.g. 500MB, 1GB)")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2).lower() or " "))


def parse_time(text: str, end: datetime, local: tzinfo | None = None) -> datetime:
    """An aware UTC datetime for what the user typed, relative to the recording's end."""
    t = text.strip()
    if t.lower() in ("end", "now"):
        return end
    if t.startswith("-"):
        return end - timedelta(seconds=parse_duration(t[1:]))
    m = _CLOCK.match(t)
    if m:
        h, mi, s, frac = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), m.group(4)
        if h > 23 or mi > 59 or s > 59:
            raise PgConsoleError(f"cannot read {text!r} as a time of day")
        us = int((frac or "0").ljust(6, "0"))
        local_end = end.astimezone(local) if local else end.astimezone()   # the system's zone then
        cand = local_end.replace(hour=h, minute=mi, second=s, microsecond=us)
        if cand > local_end:
            cand = (local_end - timedelta(days=1)).replace(hour=h, minute=mi, second=s, microsecond=us)
        return cand.astimezone(timezone.utc)
    try:
        ts = datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise PgConsoleError(f"cannot read {text!r} as a time: give {TIME_FORMS}") from None
    if ts.tzinfo is None and local is not None:
        ts = ts.replace(tzinfo=local)
    return ts.astimezone(timezone.utc)    # a naive time is taken as the system's local time


def window(between: list[str] | None, first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """--between T1 T2 against a recording; the whole of it when not given."""
    if not between:
        return first, last
    t1, t2 = parse_time(between[0], last), parse_time(between[1], last)
    if t2 < t1:
        raise PgConsoleError(f"--between: {between[1]} is before {between[0]}")
    return t1, t2
