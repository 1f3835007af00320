"""Finding a table the user named: quotes, mixed case, unicode and schemas handled once."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from .capabilities import Capabilities

from .db import role_schemas
from .errors import PgConsoleError
from .quoting import display_name, qualified, split_qualified
from .snapshots import from_record


@dataclass(frozen=True)
class TableRef:
    relid: int
    schemaname: str
    relname: str
    relkind: str

    @property
    def sql_name(self) -> str:
        return qualified(self.schemaname, self.relname)

    @property
    def display(self) -> str:
        """For people: quoted where a part needs it (str() stays schema.name, as JSON has it)."""
        return display_name(self.schemaname, self.relname)

    def __str__(self) -> str:
        return f"{self.schemaname}.{self.relname}"


async def resolve_table(conn: asyncpg.Connection, caps: Capabilities, text: str) -> TableRef:
    """`schema.table`, `"Mixed Case"`, or a bare name found on the role's own search_path
    (the console's sessions run under pg_catalog's: see pgconsole.db)."""
    try:
        schema, name = split_qualified(text)
    except ValueError as exc:
        raise PgConsoleError(str(exc)) from None
    schemas = list(await role_schemas(conn)) if schema is None else []
    row = await conn.fetchrow(caps.sql("resolve_table"), schema, name, schemas)
    if row is None:
        raise PgConsoleError(f"table {text!r} does not exist (or is not on the search_path)")
    return from_record(TableRef, row)
