"""Changes between two encoded values (codec.py), and applying them.

A patch is what turns the previous encoded value into the new one:
  a literal (a scalar, or an encoded list: its tag is never "p" or "r")  the new value itself
  ["p", position, patch, position, patch...]  a dataclass with only these fields changed
  ["r", op...]  a sequence of rows, each op being
      ["c", i, n]     the n previous rows from position i, unchanged
      ["m", i, patch] previous row i, changed by the patch
      [type id, ...]  a new row
Rows are matched by their key (codec.row_key), so a reordering costs a few ops and an
idle session's unchanged row costs nothing (the encoder hands it back as the same list).

`diff` also returns the value the reader will rebuild (the previous value wherever
nothing changed), which the writer keeps as its previous value for the next diff.
"""

from __future__ import annotations

from typing import Any

from .codec import Rows

SAME = object()


def diff(prev: Any, new: Any) -> tuple[Any, Any]:
    """(patch or SAME, the value as rebuilt)."""
    if prev is new:
        return SAME, prev
    if not isinstance(new, list) or not isinstance(prev, list):
        if type(prev) is type(new) and prev == new:
            return SAME, prev
        return new, new
    if prev == new:
        return SAME, prev
    tag = new[0]
    if tag != prev[0] or (type(tag) is int and len(new) != len(prev)):
        return new, new
    if type(tag) is int:
        return _diff_fields(prev, new)
    if isinstance(new, Rows) and isinstance(prev, Rows):
        return _diff_rows(prev, new)
    return new, new


def _diff_fields(prev: list[Any], new: list[Any]) -> tuple[Any, Any]:
    patch: list[Any] = []
    out = None
    for i in range(1, len(new)):
        a, b = prev[i], new[i]
        if a is b:
            continue
        if not isinstance(a, list) or not isinstance(b, list):
            # a scalar: what diff() does, without a call for each of a row's 35 fields
            if type(a) is type(b) and a == b:
                if out is None:
                    out = list(new)
                out[i] = a
            else:
                patch += [i, b]
            continue
        d, e = diff(a, b)
        if d is SAME:
            if e is not b:
                if out is None:
                    out = list(new)
                out[i] = e
            continue
        patch += [i, d]
        if out is None:
            out = list(new)
        out[i] = e
    if not patch:
        return SAME, prev
    return ["p", *patch], out if out is not None else new


def _diff_rows(prev: Rows, new: Rows) -> tuple[Any, Any]:
    where = {k: i for i, k in enumerate(prev.keys)}
    ops: list[Any] = []
    out = Rows([new[0]])
    out.keys = new.keys
    run_at, run_n = -1, 0
    for j, k in enumerate(new.keys):
        row = new[j + 1]
        i = where.get(k)
        if i is None:
            d, e = row, row
        else:
            d, e = diff(prev[i + 1], row)
        if d is SAME and i is not None:   # i None: a new row, never SAME
            if run_n and run_at + run_n == i:
                run_n += 1
            else:
                if run_n:
                    ops.append(["c", run_at, run_n])
                run_at, run_n = i, 1
        else:
            if run_n:
                ops.append(["c", run_at, run_n])
                run_n = 0
            ops.append(d if i is None else ["m", i, d])
        out.append(e)
    if run_n:
        ops.append(["c", run_at, run_n])
    if len(ops) == 1 and ops[0][0] == "c" and ops[0][1] == 0 and ops[0][2] == len(prev) - 1:
        return SAME, prev
    return ["r", *ops], out


def apply(prev: Any, patch: Any) -> Any:
    """The value a patch (from diff) makes of the previous value."""
    if patch.__class__ is not list:
        return patch
    tag = patch[0]
    if tag == "p":
        out = list(prev)
        for i in range(1, len(patch), 2):
            pos, x = patch[i], patch[i + 1]
            out[pos] = apply(prev[pos], x) if x.__class__ is list else x
        return out
    if tag == "r":
        out = [prev[0]]
        for op in patch[1:]:
            kind = op[0]
            if kind == "c":
                start = 1 + op[1]
                out.extend(prev[start:start + op[2]])
            elif kind == "m":
                out.append(apply(prev[1 + op[1]], op[2]))
            else:
                out.append(op)
        return out
    return patch
