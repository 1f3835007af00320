"""The one place identifiers become SQL text."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident() does, always quoting."""
    if "\x00" in name:
        raise ValueError("identifier contains a NUL byte")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal as PostgreSQL's quote_literal() writes it: right whatever
    standard_conforming_strings says (E'' with doubled backslashes when there are any)."""
    if "\x00" in text:
        raise ValueError("text contains a NUL byte")
    body = text.replace("'", "''")
    return f"E'{body.replace(chr(92), chr(92) * 2)}'" if "\\" in text else f"'{body}'"


def qualified(schema: str | None, name: str) -> str:
    return f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)


def display_name(schema: str | None, name: str, hide_schema: str | None = None) -> str:
    """schema.name as a person reads it (and could paste it back): quoted only where a
    part needs it, e.g. public."Order Items". `hide_schema`: a schema left out (the
    console's panes do not repeat public: "Order Items")."""
    def part(p: str) -> str:
        plain = p and (p[0].islower() or p[0] == "_") and all(
            ch.islower() or ch.isdigit() or ch in "_$" for ch in p) and p.isascii()
        return p if plain else '"' + p.replace('"', '""') + '"'
    return f"{part(schema)}.{part(name)}" if schema and schema != hide_schema else part(name)


def split_qualified(text: str) -> tuple[str | None, str]:
    """Split a user-typed `schema.table` (with optional double quotes) into parts.

    Unquoted parts fold to lower case, as PostgreSQL does; quoted parts keep their case
    and may hold dots and doubled quotes.
    """
    parts: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    quoted_part = False
    while i < n:
        c = text[i]
        if c == '"':
            quoted_part = True
            i += 1
            while i < n:
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    break
                buf.append(text[i])
                i += 1
            else:
                raise ValueError(f"unterminated quoted identifier in {text!r}")
            i += 1
            continue
        if c == ".":
            parts.append("".join(buf))
            buf, quoted_part = [], False
            i += 1
            continue
        # PostgreSQL folds only ASCII letters in a UTF-8 database
        buf.append(c if quoted_part or not c.isascii() else c.lower())
        i += 1
    parts.append("".join(buf))
    if any(p == "" for p in parts) or len(parts) > 2:
        raise ValueError(f"not a table name: {text!r}")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
