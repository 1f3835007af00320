"""Catalog checks on the real server: each problem planted in one database, its healthy twin in another.

Thresholds are lowered so small tables count (a test cannot wait seven days for
unused_index or burn half a billion XIDs for xid_wraparound_risk); the twin uses the
same thresholds, so a finding there would be a false alarm.
"""

from __future__ import annotations

import pytest

from findings_support import connect, database, evaluate, flush_stats, objects, run, run_remedies, status, wait_for
from pgconsole.findings.model import Thresholds

TH = Thresholds().with_overrides({
    "unused_index_min_days": 0, "unused_index_min_bytes": 64 * 1024, "unused_index_min_table_scans": 10,
    "seq_scan_min_rows": 5000, "seq_scan_min_count": 20, "fk_min_rows": 1000, "pk_min_rows": 1000,
    "xid_age_warn": 1000,
})

PLANTED = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
-- fk_without_index: orders.customer_id references customers with no index on it
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     note text, created_at timestamptz DEFAULT now());
INSERT INTO orders (id, customer_id, note) SELECT g, 1 + g % 500, 'note ' || g FROM generate_series(1, 5000) g;
-- unused_index: never scanned while its table is read through the primary key
CREATE INDEX orders_note_idx ON orders (note);
-- duplicate_index, identical and prefix
CREATE TABLE dup_same (id int PRIMARY KEY, a int, b int);
CREATE INDEX dup_same_a ON dup_same (a);
CREATE INDEX dup_same_a_again ON dup_same (a);
CREATE TABLE dup_prefix (id int PRIMARY KEY, a int, b int);
CREATE INDEX dup_prefix_a ON dup_prefix (a);
CREATE INDEX dup_prefix_a_b ON dup_prefix (a, b);
-- invalid_index: a unique index built concurrently over duplicates (made below)
CREATE TABLE broken (id int PRIMARY KEY, v int);
INSERT INTO broken VALUES (1, 7), (2, 7);
-- seq_scan_heavy: read by a filter no index serves
CREATE TABLE events (id bigint PRIMARY KEY, kind text);
INSERT INTO events SELECT g, 'k' || g % 1000 FROM generate_series(1, 8000) g;
-- sequence_near_limit: plain, identity, serial, and a bigint sequence feeding an integer column
CREATE SEQUENCE small_seq MAXVALUE 100;
SELECT setval('small_seq', 95);
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('ident', 'id'), 2000000000);
CREATE TABLE ser (id serial PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('ser', 'id'), 2100000000);
CREATE SEQUENCE wide_seq;
CREATE TABLE narrow (id int PRIMARY KEY DEFAULT nextval('wide_seq'));
SELECT setval('wide_seq', 1900000000);
-- table_without_primary_key: rows that are updated, nothing to identify them
CREATE TABLE keyless (a int, b text);
INSERT INTO keyless SELECT g, 'x' FROM generate_series(1, 2000) g;
UPDATE keyless SET b = 'y' WHERE a <= 10;
-- not unused: a partition's index is attached to the partitioned index and cannot go alone
CREATE TABLE measurements (id bigint, at date, v int) PARTITION BY RANGE (at);
CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX measurements_v_idx ON measurements (v);
INSERT INTO measurements SELECT g, '2026-03-01', g FROM generate_series(1, 5000) g;
"""

TWIN = """
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 500) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                     note text, created_at timestamptz DEFAULT now());
CREATE INDEX orders_customer_idx ON orders (customer_id);
INSERT INTO orders (id, customer_id, note) SELECT g, 1 + g % 500, 'note ' || g FROM generate_series(1, 5000) g;
CREATE TABLE pairs (id int PRIMARY KEY, a int, b int);
CREATE INDEX pairs_a_b ON pairs (a, b);
CREATE UNIQUE INDEX pairs_b ON pairs (b);
CREATE TABLE events (id bigint PRIMARY KEY, kind text);
INSERT INTO events SELECT g, 'k' || g % 1000 FROM generate_series(1, 8000) g;
CREATE INDEX events_kind_idx ON events (kind);
CREATE SEQUENCE small_seq MAXVALUE 100;
SELECT setval('small_seq', 50);
CREATE TABLE ident (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
CREATE TABLE ser (id serial PRIMARY KEY);
SELECT setval(pg_get_serial_sequence('ser', 'id'), 1000);
CREATE SEQUENCE cycling MAXVALUE 10 CYCLE;
SELECT setval('cycling', 10);
CREATE TABLE keyed (a int PRIMARY KEY, b text);
INSERT INTO keyed SELECT g, 'x' FROM generate_series(1, 2000) g;
UPDATE keyed SET b = 'y' WHERE a <= 10;
ANALYZE;
"""

EXPECTED = {
    "unused_index": {"public.orders_note_idx"},
    "duplicate_index": {"public.dup_same_a_again", "public.dup_prefix_a"},
    "invalid_index": {"public.broken_v_key"},
    "fk_without_index": {"public.orders"},
    "seq_scan_heavy": {"public.events"},
    "sequence_near_limit": {"public.small_seq", "public.ident_id_seq", "public.ser_id_seq", "public.wide_seq"},
    "xid_wraparound_risk": None,  # the planted database's own name
    "table_without_primary_key": {"public.keyless"},
}


async def _plant(params) -> None:
    conn = await connect(params)
    try:
        await conn.execute(PLANTED)
        try:
            await conn.execute("CREATE UNIQUE INDEX CONCURRENTLY broken_v_key ON broken (v)")
        except Exception:
            pass  # expected: the duplicates leave the index behind, invalid
        for i in range(30):
            await conn.fetchval("SELECT name FROM customers c JOIN orders o ON o.customer_id = c.id "
                                "WHERE o.id = $1", i + 1)
            await conn.fetchval("SELECT count(*) FROM events WHERE kind = $1", f"k{i}")
            await conn.fetchval("SELECT count(*) FROM measurements")
        await conn.execute("ANALYZE")
        # XIDs consumed here age this database past the lowered threshold
        for _ in range(1100):
            await conn.execute("SELECT txid_current()")
        await flush_stats(conn)
        await wait_for(conn, "SELECT seq_scan >= 30 AND n_live_tup > 0 FROM pg_stat_user_tables "
                             "WHERE relname = 'events'")
    finally:
        await conn.close()


async def _plant_twin(params) -> None:
    conn = await connect(params)
    try:
        await conn.execute(TWIN)
        for i in range(30):
            await conn.fetchval("SELECT count(*) FROM orders WHERE customer_id = $1", i + 1)
            await conn.fetchval("SELECT count(*) FROM events WHERE kind = $1", f"k{i}")
            await conn.fetchval("SELECT id FROM pairs WHERE a = $1 AND b = $2", i, i)
        # everything frozen just now: this database's oldest XID is younger than the threshold
        await conn.execute("VACUUM (FREEZE)")
        await flush_stats(conn)
        await wait_for(conn, "SELECT idx_scan >= 30 FROM pg_stat_user_tables WHERE relname = 'events'")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def planted(pg_params):
    with database(pg_params, "catalog") as params:
        run(_plant(params))
        yield params.database, run(evaluate(params, TH))


@pytest.fixture(scope="module")
def twin(pg_params):
    with database(pg_params, "catalog_twin") as params:
        run(_plant_twin(params))
        yield run(evaluate(params, TH))


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_planted_problem_is_found_on_the_right_object(planted, check):
    dbname, result = planted
    want = EXPECTED[check] or {dbname}
    assert status(result, check).ran, status(result, check)
    assert want <= objects(result, check), [f for f in result.findings if f.check == check]


def test_attached_partition_index_is_never_called_unused(planted):
    _, result = planted
    assert "public.orders_note_idx" in objects(result, "unused_index")   # the same thresholds do judge
    assert "public.measurements_2026_v_idx" not in objects(result, "unused_index")
    keyless = {f.object: f for f in result.findings if f.check == "table_without_primary_key"}
    assert "public.measurements_2026" not in keyless                        # the parent speaks for it
    assert keyless["public.measurements"].evidence["partitioned"] is True


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_healthy_twin_has_no_such_finding(twin, check):
    assert status(twin, check).ran, status(twin, check)
    assert objects(twin, check) == set(), [f for f in twin.findings if f.check == check]


def test_catalog_queries_run_and_their_columns_are_the_row_fields(planted, pg_params):
    """Every variant this server picks: columns named as the dataclass fields, in order."""
    import dataclasses

    from pgconsole.capabilities import probe
    from pgconsole.findings.catalog_rows import QUERIES

    async def check():
        conn = await connect(pg_params.with_database(planted[0]))
        try:
            caps = await probe(conn)
            for name, cls in QUERIES.items():
                stmt = await conn.prepare(caps.sql(name))
                assert [a.name for a in stmt.get_attributes()] == [f.name for f in dataclasses.fields(cls)], name
                await stmt.fetch()
        finally:
            await conn.close()

    run(check())


def test_catalog_remedies_run(planted, pg_params):
    dbname, result = planted
    checked = run(run_remedies(pg_params.with_database(dbname), result.findings))
    assert len(checked) >= len(EXPECTED)
