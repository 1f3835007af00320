"""What simple CHECK constraints imply for --infer's generators, read from their definitions.

PostgreSQL prints a CHECK back in one canonical form (pg_get_constraintdef), so a few
patterns cover the forms the README promises, on every type they apply to:
  col >= 0, col > -5, col < 10 (BETWEEN is printed as two of them)   numbers, dates, timestamps
  col IN (...)  printed as  col = ANY (ARRAY[...])                   text, integers, numeric
  a < b, a <= b                                                       numbers, dates, timestamps, times
  char_length(col) <= n, length(col) < n                              text
Per column the result says: min/max (numbers) with strict_min/strict_max, tmin/tmax
(times, as datetimes) with their strictness, choice (values), max_len, after (the column
it must exceed, strictly or not) and before (the columns that must exceed it).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

_NUM = r"\(?'?(-?\d+(?:\.\d+)?)'?\)?(?:::[\w ]+)?"
_COL = r"\(?\"?([A-Za-z_][\w$]*)\"?\)?(?:::[\w ]+?)?"
_CMP = re.compile(rf"{_COL}\s*(>=|>|<=|<)\s*{_NUM}(?=\s*\)|\s+AND|\s+OR|$)")
_TCMP = re.compile(rf"{_COL}\s*(>=|>|<=|<)\s*'(\d{{4}}-\d\d-\d\d[^']*)'::(?:date|timestamp[\w ]*)")
_ANY = re.compile(rf"{_COL}\s*=\s*ANY\s*\(\(?ARRAY\[(.*?)\]")
_LEN = re.compile(rf"(?:char_length|length)\({_COL}\)\s*(<=|<)\s*{_NUM}")
_ORDER = re.compile(rf"{_COL}\s*(>=|>|<=|<)\s*{_COL}(?=\s*\))")
_ITEM_STR = re.compile(r"^\(*'((?:[^']|'')*)'")
_ITEM_NUM = re.compile(r"^\(*'?(-?\d+(?:\.\d+)?)'?")


def parse_checks(defs: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for d in defs:
        for col, items in _ANY.findall(d):
            values = _items(items)
            if values:
                out.setdefault(col, {})["choice"] = values
        for col, op, text in _TCMP.findall(d):
            c = out.setdefault(col, {})
            when = _moment(text)
            if when is None:
                continue
            if op in (">", ">="):
                if c.get("tmin") is None or when >= c["tmin"]:
                    c["tmin"], c["strict_tmin"] = when, op == ">"
            elif c.get("tmax") is None or when <= c["tmax"]:
                c["tmax"], c["strict_tmax"] = when, op == "<"
        for col, op, num in _CMP.findall(d):
            c = out.setdefault(col, {})
            v = float(num) if "." in num else int(num)
            if op in (">", ">="):
                if c.get("min") is None or v >= c["min"]:
                    c["min"], c["strict_min"] = v, op == ">"
            elif c.get("max") is None or v <= c["max"]:
                c["max"], c["strict_max"] = v, op == "<"
        for col, op, num in _LEN.findall(d):
            n = int(float(num)) - (1 if op == "<" else 0)
            c = out.setdefault(col, {})
            c["max_len"] = min(n, c.get("max_len", n))
        for a, op, b in _ORDER.findall(d):
            if a == b:
                continue
            later, earlier = (a, b) if op in (">", ">=") else (b, a)
            out.setdefault(later, {})["after"] = earlier
            out[later]["strict_after"] = op in (">", "<")
            out.setdefault(earlier, {}).setdefault("before", []).append(later)
    return out


def _items(text: str) -> list[str | int | float]:
    """ARRAY[...] items: 'a'::text, 1, (1)::bigint, '-3'::integer, 1.5, ('-1'::integer)::numeric."""
    out = []
    for raw in _split(text):
        raw = raw.strip()
        m = _ITEM_STR.match(raw)
        if m:   # quoted: text, or a negative number ('-3'::integer): the column's type decides
            out.append(m.group(1).replace("''", "'"))
            continue
        m = _ITEM_NUM.match(raw)
        if m:
            out.append(_number(m.group(1)))
    return out


def _split(text: str) -> list[str]:
    """Top-level commas only (not inside quotes or parentheses)."""
    parts: list[str] = []
    depth, quoted = 0, False
    cur: list[str] = []
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and depth == 0 and ch == ",":
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _number(s: str) -> int | float:
    return float(s) if "." in s else int(s)


def _moment(text: str) -> dt.datetime | None:
    try:
        v = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
