"""What the connected role may see, probed once per connection.

Collectors consult this to degrade up front ("unavailable: needs pg_read_all_stats")
instead of failing every poll.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from . import sqlfiles
from .quoting import quote_ident
from .snapshots import from_record


@dataclass(frozen=True)
class Capabilities:
    version_num: int
    version: str
    current_database: str
    current_user: str
    own_pid: int
    is_superuser: bool
    read_all_stats: bool
    monitor: bool
    signal_backend: bool
    shared_preload_libraries: str | None  # None: this role may not read it
    track_io_timing: bool
    is_standby: bool
    pgss_schema: str | None
    pgss_version: str | None
    pgstattuple_schema: str | None
    pgss_available: bool

    @property
    def sees_all_sessions(self) -> bool:
        return self.is_superuser or self.read_all_stats

    @property
    def pgss_preloaded(self) -> bool | None:
        """None when this role may not read shared_preload_libraries."""
        if self.shared_preload_libraries is None:
            return None
        libs = [x.strip().strip('"') for x in self.shared_preload_libraries.split(",")]
        return "pg_stat_statements" in libs

    @property
    def major(self) -> int:
        return self.version_num // 10000

    def render(self, sql: str) -> str:
        """Put extension schemas (found through pg_extension, often not public) into SQL text."""
        if "{pgss}" in sql:
            sql = sql.replace("{pgss}", quote_ident(self.pgss_schema or "public"))
        if "{pgstattuple}" in sql:
            sql = sql.replace("{pgstattuple}", quote_ident(self.pgstattuple_schema or "public"))
        return sql

    def sql(self, name: str) -> str:
        """The query `name` for this server: the highest variant not above its version."""
        if name.startswith("statement") and self.pgss_version:
            version = sqlfiles.parse_version(self.pgss_version)
        else:
            version = (self.version_num,)
        return self.render(sqlfiles.load(name, version))


async def probe(conn: asyncpg.Connection) -> Capabilities:
    version_num = int(await conn.fetchval("SHOW server_version_num"))
    row = await conn.fetchrow(sqlfiles.load("capabilities", version_num))
    return from_record(Capabilities, row)
