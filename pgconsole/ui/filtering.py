"""The filter language of `/`: words match anywhere, `field:value` matches one field.

    lock db:shop user:app state:idle -pid:123

Words are case-insensitive substrings and must all match. A field name may be
abbreviated to any unambiguous prefix the pane knows (`st:` for state). A leading
`-` negates a term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Term:
    field: str | None
    value: str
    negate: bool = False


@dataclass(frozen=True)
class Filter:
    text: str
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    def matches(self, fields: Mapping[str, object]) -> bool:
        hay = None
        for t in self.terms:
            if t.field is not None and t.field in fields:
                hit = t.value in str(fields[t.field] if fields[t.field] is not None else "").lower()
            else:
                if hay is None:
                    hay = " ".join(str(v) for v in fields.values() if v is not None).lower()
                hit = t.value in hay
            if hit == t.negate:
                return False
        return True


EMPTY = Filter("", ())


def parse(text: str, known: tuple[str, ...] = ()) -> Filter:
    terms = []
    for word in (text or "").split():
        negate = word.startswith("-") and len(word) > 1
        if negate:
            word = word[1:]
        field = None
        name, sep, value = word.partition(":")
        if sep and name and value:
            candidates = [k for k in known if k == name.lower()] or [k for k in known
                                                                        if k.startswith(name.lower())]
            if len(candidates) == 1:
                field, word = candidates[0], value
        terms.append(Term(field, word.lower(), negate))
    return Filter(text.strip(), tuple(terms))
