"""A Scenario written back as a scenario file (`seed --like ... --write-scenario shop.toml`).

The file reads back to the same scenario (load_scenario), so a team can commit it and seed
anywhere without access to the source. Only TOML's basic forms are written: tables,
inline tables, arrays, strings, numbers, booleans and dates.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from .scenario import ColumnSpec, FieldSpec, Scenario

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"{v} has no TOML form")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(str(k))} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise ValueError(f"{v!r} has no TOML form")


def field(s: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"gen": s.gen}
    out.update({k: v for k, v in s.params.items() if k not in ("json", "item")})
    if s.item is not None:
        out["item"] = field(s.item)
    if s.gen == "json":
        out["json"] = {k: field(sub) for k, sub in s.fields}
    if s.null:
        out["null"] = s.null
    if s.omit:
        out["omit"] = s.omit
    return out


def column(c: ColumnSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"type": c.type.sql or c.type.name}
    out.update(field(c.spec))
    if c.unique:
        out["unique"] = True
    if c.nullable != (c.spec.null > 0):
        out["nullable"] = c.nullable
    if c.default is not None:
        out["default"] = c.default
    return out


def dumps(scen: Scenario) -> str:
    lines = [f"description = {value(scen.description)}"]
    if scen.locale != "en_US":
        lines.append(f"locale = {value(scen.locale)}")
    for t in scen.tables:
        name = key(t.name)
        lines += ["", f"[tables.{name}]", f"rows = {t.rows}"]
        if not t.scales:
            lines.append("scales = false")
        if t.primary_key:
            lines.append(f"primary_key = {value(list(t.primary_key))}")
        if t.unique:
            lines.append(f"unique = {value([list(u) for u in t.unique])}")
        if t.indexes:
            specs = []
            for ix in t.indexes:
                d: dict[str, Any] = {"columns": list(ix.columns)} if ix.columns else {"expression": ix.expression}
                d.update({k: v for k, v in (("using", ix.using), ("where", ix.where)) if v})
                if ix.unique:
                    d["unique"] = True
                specs.append(d)
            lines.append(f"indexes = {value(specs)}")
        if t.checks:
            lines.append(f"checks = {value(list(t.checks))}")
        lines += ["", f"[tables.{name}.columns]"]
        lines += [f"{key(c.name)} = {value(column(c))}" for c in t.columns]
    return "\n".join(lines) + "\n"
