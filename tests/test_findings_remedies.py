"""Every runnable remedy parses on the server it was made for, names resolved, for objects
whose names hold quotes, spaces, semicolons, dashes, a backslash and non-ASCII letters.

One database (itself oddly named) holds a problem for each check whose remedy names an
object; each finding's `sql` then runs as findings_support.run_remedies does: prepared,
or inside a transaction that is rolled back.
"""

from __future__ import annotations

import pytest

from findings_support import connect, database, evaluate, flush_stats, run, run_remedies, status, wait_for
from pgconsole import findings
from pgconsole.findings.model import Thresholds
from pgconsole.quoting import quote_ident, quote_literal

S = 'Sché"ma ;--'                      # schema
T = "Tâble \"x\" ;-- 'q' \\ %_"        # table
C = "Cöl \"id\""                       # column
I = "Índex ;\"dup\""                   # index
q = quote_ident

TH = Thresholds().with_overrides({
    "bloat_min_bytes": 256 * 1024, "unused_index_min_days": 0, "unused_index_min_bytes": 16 * 1024,
    "unused_index_min_table_scans": 10, "seq_scan_min_rows": 1000, "seq_scan_min_count": 20, "fk_min_rows": 1000,
    "pk_min_rows": 1000, "xid_age_warn": 1000, "slow_query_ms": 20, "stale_stats_min_changes": 5000,
    "dead_tuples_min": 1000, "dead_tuples_vacuum_age_s": 0,
})
# the checks whose remedy this database provokes, each with at least one statement to run
EXPECTED = ("table_bloat", "index_bloat", "dead_tuples", "stale_statistics", "unused_index", "duplicate_index",
            "invalid_index", "fk_without_index", "seq_scan_heavy", "slow_query", "sequence_near_limit",
            "xid_wraparound_risk", "table_without_primary_key")

PLANT = f'''
CREATE SCHEMA {q(S)};
SET search_path = {q(S)};
CREATE TABLE {q(T)} ({q(C)} int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "Wért" text, "ref" int)
    WITH (autovacuum_enabled = off);
INSERT INTO {q(T)} ("Wért", "ref") SELECT repeat('w', 100), 1 + g % 50 FROM generate_series(1, 40000) g;
CREATE INDEX {q(I)} ON {q(T)} ("Wért");
CREATE INDEX {q(I + " 2")} ON {q(T)} ("Wért");
CREATE TABLE "Pärent 'p'" (id int PRIMARY KEY);
INSERT INTO "Pärent 'p'" SELECT generate_series(1, 50);
ALTER TABLE {q(T)} ADD CONSTRAINT "fk ""ü""" FOREIGN KEY ("ref") REFERENCES "Pärent 'p'";
CREATE TABLE "Nö key" ("Ü" int NOT NULL, v text);
CREATE UNIQUE INDEX "Nö key ""uniq""" ON "Nö key" ("Ü");
INSERT INTO "Nö key" SELECT g, 'x' FROM generate_series(1, 2000) g;
UPDATE "Nö key" SET v = 'y' WHERE "Ü" <= 10;
CREATE TABLE "Nëver analyzed" (id int) WITH (autovacuum_enabled = off);
INSERT INTO "Nëver analyzed" SELECT generate_series(1, 20000);
CREATE TABLE "Bröken" (id int PRIMARY KEY, v int);
INSERT INTO "Bröken" VALUES (1, 7), (2, 7);
CREATE SEQUENCE "Séq ""s""" MAXVALUE 100;
SELECT setval('"Séq ""s"""', 95);
CREATE TABLE "Sëriäl" ({q(C)} serial PRIMARY KEY);
SELECT setval(pg_get_serial_sequence({quote_literal(q(S) + '."Sëriäl"')}, {quote_literal(C)}), 2100000000);
'''


async def _plant(params) -> None:
    conn = await connect(params)
    try:
        await conn.execute(PLANT)
        try:
            await conn.execute('CREATE UNIQUE INDEX CONCURRENTLY "Bröken ""v""" ON "Bröken" (v)')
        except Exception:
            pass   # expected: the duplicates leave it invalid
        await flush_stats(conn)
        await conn.execute(f'VACUUM {q(T)}')      # after the inserts reached the statistics
        await conn.execute(f'ANALYZE {q(T)}; ANALYZE "Nö key"; ANALYZE "Pärent \'p\'"')
        # bloat and dead rows: four rows in five deleted, vacuumed for the bloat, then more dead
        await conn.execute(f'DELETE FROM {q(T)} WHERE {q(C)} % 5 <> 0')
        await flush_stats(conn)
        await conn.execute(f'VACUUM {q(T)}')
        await conn.execute(f'ANALYZE {q(T)}')
        await conn.execute(f'DELETE FROM {q(T)} WHERE {q(C)} % 10 <> 0')
        for i in range(25):
            await conn.fetchval(f'SELECT count(*) FROM {q(T)} WHERE "ref" = $1', i)       # sequential
            await conn.fetchval(f'SELECT "Wért" FROM {q(T)} WHERE {q(C)} = $1', i)       # by its key
        for _ in range(3):
            # qualified: its EXPLAIN runs in a session with another search_path
            await conn.fetchval(f'SELECT count(*), pg_sleep(0.025) FROM {q(S)}.{q(T)} WHERE {q(C)} > $1', 5)
        for _ in range(1100):
            await conn.execute("SELECT txid_current()")
        await flush_stats(conn)
        await wait_for(conn, "SELECT n_dead_tup > 1000 FROM pg_stat_user_tables WHERE relname = $1", T)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def planted(pg_params):
    with database(pg_params, "rémédies ;x") as params:
        run(_plant(params))
        keep: dict = {}
        result = run(evaluate(params, TH, keep=keep))
        yield params, result, keep


def test_every_remedy_of_the_odd_names_runs(planted, pg_version):
    params, result, keep = planted
    expected = [c for c in EXPECTED if c != "slow_query" or pg_version >= 160000]   # EXPLAIN (GENERIC_PLAN): 16+
    missing = [c for c in expected if not any(f.check == c and f.sql for f in result.findings)]
    assert missing == [], [(c, status(result, c)) for c in missing]
    # the same figures judged again: the young-statistics form of unused_index, and the
    # constraint form of duplicate_index are remedies too
    young = findings.evaluate(keep["frame"], keep["catalog"], keep["caps"],
                              TH.with_overrides({"unused_index_min_days": 7}), only=["unused_index"])
    checked = run(run_remedies(params, list(result.findings) + list(young.findings)))
    assert len(checked) >= len(expected)
    assert any(quote_ident(T) in s for s in checked) and any(quote_ident(I) in s or quote_ident(I + " 2") in s
                                                             for s in checked)
