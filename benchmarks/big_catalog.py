"""A big catalog in one round trip: N tables, two indexes each (issue 15).

The DDL is one DO block, so building 10,000 tables and 20,000 indexes costs one
statement and one transaction (UNLOGGED: no WAL for the files). Shared by
benchmarks/bench_big_catalog.py and the integration test.
"""

from __future__ import annotations

import asyncpg

SCHEMA = "big"


def ddl(tables: int = 10_000, schema: str = SCHEMA) -> str:
    """One DO block: `tables` unlogged tables t0..tN-1 (id int, v int), each with an index on
    id and one on (id, v), so the first is a prefix of the second (a duplicate_indexes pair)."""
    return f"""
CREATE SCHEMA IF NOT EXISTS {schema};
DO $big$
BEGIN
  FOR i IN 0..{tables - 1} LOOP
    EXECUTE format('CREATE UNLOGGED TABLE {schema}.t%s (id int, v int)', i);
    EXECUTE format('CREATE INDEX t%s_id ON {schema}.t%s (id)', i, i);
    EXECUTE format('CREATE INDEX t%s_id_v ON {schema}.t%s (id, v)', i, i);
  END LOOP;
END
$big$;
"""


async def build(conn: asyncpg.Connection, tables: int = 10_000, rows_in: int = 50) -> None:
    """Create the catalog, and put a few rows in the first `rows_in` tables (so some
    counters move and the cache view has rows)."""
    await conn.execute(ddl(tables))
    if rows_in:
        await conn.execute(f"""
DO $fill$
BEGIN
  FOR i IN 0..{min(rows_in, tables) - 1} LOOP
    EXECUTE format('INSERT INTO {SCHEMA}.t%s SELECT g, g FROM generate_series(1, 1000) g', i);
  END LOOP;
END
$fill$;
ANALYZE;
""")
