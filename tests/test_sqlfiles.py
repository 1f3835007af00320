"""The one rule that picks a SQL variant (the highest version not above the server's), and
every query on the suite's server: the variant this server gets runs, the older ones plan."""

import dataclasses
import datetime
import re

import asyncpg
import pytest

from pgconsole import sqlfiles
from pgconsole.db import OWN_SEARCH_PATH
from pgconsole.errors import PgConsoleError


def test_variant_rule_by_server_version():
    assert sqlfiles.pick("overview", 130000) == "130000.sql"
    assert sqlfiles.pick("overview", 150009) == "130000.sql"
    assert sqlfiles.pick("overview", 160009) == "160000.sql"
    assert sqlfiles.pick("overview", 170000) == "170000.sql"
    assert sqlfiles.pick("overview", 180006) == "170000.sql"
    assert sqlfiles.pick("connections", 140000) == "140000.sql"
    assert sqlfiles.pick("connections", 139999) == "130000.sql"


def test_variant_rule_by_extension_version():
    v = sqlfiles.parse_version
    assert sqlfiles.pick("statements", v("1.7")) == "1.4.sql"
    assert sqlfiles.pick("statements", v("1.8")) == "1.8.sql"
    assert sqlfiles.pick("statements", v("1.10")) == "1.9.sql"   # 1.10 > 1.9: numeric, not text
    assert sqlfiles.pick("statements", v("1.11")) == "1.11.sql"
    assert sqlfiles.pick("statements", v("1.12")) == "1.11.sql"


def test_too_old_is_a_clear_error():
    with pytest.raises(PgConsoleError, match="needs version 13"):
        sqlfiles.pick("overview", 120000)
    with pytest.raises(PgConsoleError, match="needs version 1.9"):
        sqlfiles.pick("statements_info", sqlfiles.parse_version("1.8"))


def test_parse_version():
    assert sqlfiles.parse_version("1.11") == (1, 11)
    assert sqlfiles.parse_version("1.12beta1") == (1, 12)
    assert sqlfiles.parse_version("") == (0,)


def test_sql_files_use_only_numbered_parameters():
    import re
    for name in sqlfiles.all_queries():
        for _, fname in sqlfiles.variants(name):
            text = sqlfiles._read(name, fname)
            assert not re.search(r"%s|%\(\w+\)s|(?<![:\w]):[a-z_]+\b(?!:)", text.replace("::", "")), (name, fname)


# --- every query, on this server -------------------------------------------------------------

# what a server that dropped or renamed something a superseded variant reads answers
DRIFT_ERRORS = (asyncpg.UndefinedColumnError, asyncpg.UndefinedTableError, asyncpg.UndefinedFunctionError,
                asyncpg.UndefinedObjectError)
# scripts that create what other queries read (run first, inside the rolled-back transaction);
# queries for an extension the test server lacks (TimescaleDB: the history store's other layout)
SETUP_SCRIPTS = ("demo_schema", "history_schema", "history_records")
NEEDS_EXTENSION = {"history_records_timescale": "timescaledb", "history_drop_chunks": "timescaledb",
                   "history_drop_oldest_chunk": "timescaledb", "history_size_timescale": "timescaledb"}
# text a caller splices in (quoted by pgconsole.quoting or dollar-quoted by the caller)
TEMPLATE_FILL = {"{tag}": "$pgc$", "{statement}": "$stmt$SELECT 1$stmt$"}
# arguments as the callers pass them, where a sample of the parameter's type would not run
SAMPLE_ARGS = {
    "seed_setval": ["pg_class", "oid", 1],
    "demo_insert": [1, 10],
    "demo_write": [1, 1],
    "vacuum_session": ["2"],
    "cache_relations": [[1259, 2662, 16384]],
}


def _is_script(sql: str) -> bool:
    """More than one statement (prepare refuses those): semicolons outside comments and quotes."""
    body = re.sub(r"--[^\n]*", "", sql)
    body = re.sub(r"'(?:[^']|'')*'", "''", body)
    return body.strip().rstrip(";").count(";") > 0


def _sample_arg(type_name: str):
    """A harmless value of a parameter's type: the test is about the SQL, not the data."""
    if type_name.startswith("_") or type_name.endswith("[]"):
        return []
    if type_name in ("int2", "int4", "int8", "oid", "float4", "float8", "numeric", "regclass"):
        return 1
    if type_name == "bool":
        return False
    if type_name in ("timestamptz", "timestamp"):
        return datetime.datetime.now(datetime.timezone.utc)
    if type_name == "interval":
        return datetime.timedelta(seconds=1)
    if type_name in ("json", "jsonb"):
        return "{}"
    if type_name == "date":
        return datetime.date.today()
    if type_name == "bytea":
        return b""
    return "pg_class"


async def test_every_query_runs_on_this_server_and_its_older_variants_plan(fresh_db, pg_version):
    """Each query this server is claimed by (its lowest variant is not above the server or its
    pg_stat_statements) runs here in the variant the server gets: prepared, executed, no error
    at all, its column aliases the fields of the dataclass it fills. A variant superseded here
    (13/14's on 15) must still parse and plan (EXPLAIN) unless this server dropped something it
    reads. Each in a transaction that is rolled back. The count is of queries, not files."""
    from pgconsole import capabilities, snapshots
    from pgconsole.collectors import activity, cache_book

    fields_of = {
        "overview": snapshots.OverviewRow, "database_sizes": snapshots.DatabaseSize,
        "connections": snapshots.ConnectionsRow, "connection_states": snapshots.StateCount,
        "locks": snapshots.LockWait, "locks_held": snapshots.HeldLock,
        "cache_tables": snapshots.TableIO, "cache_indexes": snapshots.IndexIO,
        "statements": snapshots.StatementRow, "table_bloat": snapshots.TableBloatRow,
        "index_bloat": snapshots.IndexBloatRow, "pgstattuple": snapshots.ExactBloat,
        "capabilities": capabilities.Capabilities,
        "cache_counters": cache_book.CacheCounter, "cache_relations": cache_book.CacheRelation,
        "waiter_locks": activity.WaiterLock,
    }
    conn = await asyncpg.connect(**fresh_db.asyncpg_kwargs())
    ran, planned, not_claimed = set(), 0, set()
    try:
        caps = await capabilities.probe(conn)
        # queries about the demo's tables and the history store's need them to exist
        for name in SETUP_SCRIPTS:
            await conn.execute(caps.sql(name))
            ran.add(name)
        await conn.execute("SELECT pgconsole_history.ensure_partition((now() AT TIME ZONE 'UTC')::date + d)"
                           " FROM generate_series(-1, 1) d")   # the day a sample record falls on
        await conn.execute("SELECT setval('pgconsole_history.servers_id_seq', 1); INSERT INTO pgconsole_history.servers (id, name, target) VALUES (1, 'sample', 'x')")
        extensions = {r[0] for r in await conn.fetch("SELECT extname FROM pg_extension")}
        for name in sqlfiles.all_queries():
            if name in SETUP_SCRIPTS:
                continue
            if NEEDS_EXTENSION.get(name, "plpgsql") not in extensions:
                not_claimed.add(name)   # written for an extension this server lacks (see its comment)
                continue
            running = sqlfiles.parse_version(caps.pgss_version) if name.startswith("statement") else (pg_version,)
            if sqlfiles.variants(name)[0][0] > running:
                not_claimed.add(name)   # e.g. EXPLAIN (GENERIC_PLAN) before 16: the caller says so
                continue
            picked = sqlfiles.pick(name, running)
            for version, fname in sqlfiles.variants(name):
                if version > running:
                    continue   # for a newer server: the run on that server tests it
                sql = caps.render(sqlfiles._read(name, fname))
                for placeholder, value in TEMPLATE_FILL.items():
                    sql = sql.replace(placeholder, value)
                where = f"{name}/{fname}"
                tr = conn.transaction()
                await tr.start()
                try:
                    # as pgconsole's sessions run them: resolving in pg_catalog only (pgconsole.db),
                    # but the demo's simulated application, which runs under its role's path
                    if not name.startswith(sqlfiles.UNMARKED_PREFIX):
                        await conn.execute(f"SET LOCAL search_path = {OWN_SEARCH_PATH}")
                    if fname == picked:
                        if _is_script(sql):
                            await conn.execute(sql)   # a script (DDL): run it whole
                        else:
                            stmt = await conn.prepare(sql)
                            if name in fields_of:
                                assert [a.name for a in stmt.get_attributes()] == \
                                    [f.name for f in dataclasses.fields(fields_of[name])], where
                            args = SAMPLE_ARGS.get(name) or [_sample_arg(t.name) for t in stmt.get_parameters()]
                            if name == "pgstattuple":
                                args = [await conn.fetchval("SELECT 'pg_class'::regclass::oid")]
                            await stmt.fetch(*args)
                        ran.add(name)
                    elif not _is_script(sql):
                        try:
                            stmt = await conn.prepare("EXPLAIN " + sql)
                            await stmt.fetch(*(SAMPLE_ARGS.get(name) or
                                               [_sample_arg(t.name) for t in stmt.get_parameters()]))
                            planned += 1
                        except DRIFT_ERRORS:
                            pass   # this server no longer has what it reads: why the later variant exists
                except Exception as exc:
                    raise AssertionError(f"{where} on {pg_version}: {type(exc).__name__}: {exc}") from None
                finally:
                    await tr.rollback()
    finally:
        await conn.close()
    claimed = set(sqlfiles.all_queries()) - not_claimed
    assert ran == claimed and len(ran) >= 55, sorted(claimed - ran)
    # queries for newer servers only, whose callers say so on older ones (GENERIC_PLAN, pg_stat_io: 16)
    newer_only = {"explain_generic", "seed_like_explain", "io_stats"}
    assert not_claimed - set(NEEDS_EXTENSION) <= (newer_only if pg_version < 160000 else set())
    assert planned >= 4   # connections, locks, locks_held, terminate_backend: 13's variants, superseded at 14
