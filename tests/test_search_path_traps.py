"""search_path hijacking: a role that may create objects in a schema on the DBA's search_path
plants better-matching functions and operators there (an exact-typed overload beats a built-in
reached through an implicit cast, a polymorphic one, or a text-preferred one). pgconsole's own
queries run as the DBA on every refresh: none of those traps may ever run. Each trap counts its
calls on a sequence of its own (a count no rollback undoes)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from findings_support import connect, database, run
from pgconsole.actions import ActionSession
from pgconsole.capabilities import probe
from pgconsole.collectors.bloat import exact_bloat
from pgconsole.db import connect as console_connect
from pgconsole.errors import PgConsoleError
from pgconsole.maintenance.vacuum import VacuumOptions, VacuumRun
from pgconsole.monitor import VIEWS, Monitor
from pgconsole.report import build, render
from pgconsole.tables import resolve_table

MALLORY = "pgc_mallory"
DBA = "pgc_trapped_dba"
PATH = "planted, public"

# (name, argument types, return type, the built-in it stands in for, called with the same arguments)
TRAPS = [
    # the probe: pg_has_role(current_user, 'x', 'USAGE') prefers text for the unknown literals
    ("pg_has_role", "name, text, text", "boolean", "pg_catalog.pg_has_role($1, $2::pg_catalog.name, $3)"),
    # sizes by oid: the built-ins take regclass (an implicit cast away)
    ("pg_table_size", "oid", "bigint", "pg_catalog.pg_table_size($1::pg_catalog.regclass)"),
    ("pg_total_relation_size", "oid", "bigint", "pg_catalog.pg_total_relation_size($1::pg_catalog.regclass)"),
    ("pg_relation_size", "oid", "bigint", "pg_catalog.pg_relation_size($1::pg_catalog.regclass)"),
    # exact array types beat the polymorphic built-ins
    ("cardinality", "smallint[]", "integer", "pg_catalog.cardinality($1)"),
    ("array_to_string", "text[], text", "text", "pg_catalog.array_to_string($1, $2)"),
    ("lower", "name", "text", "pg_catalog.lower($1::pg_catalog.text)"),
    # obj_description(oid, 'pg_constraint'): text preferred for the literal over the built-in's name
    ("obj_description", "oid, text", "text", "pg_catalog.obj_description($1, $2::pg_catalog.name)"),
]


def _trap_sql(name: str, args: str, returns: str, body: str) -> str:
    return (f"CREATE SEQUENCE planted.hit_{name}; GRANT USAGE, UPDATE ON SEQUENCE planted.hit_{name} TO PUBLIC; "
            f"CREATE FUNCTION planted.{name}({args}) RETURNS {returns} LANGUAGE plpgsql AS $f$ BEGIN "
            f"PERFORM pg_catalog.nextval('planted.hit_{name}'); RETURN {body}; END $f$; ")


SETUP_MALLORY = "".join(_trap_sql(*t) for t in TRAPS) + """
    CREATE SEQUENCE planted.hit_unnest; GRANT USAGE, UPDATE ON SEQUENCE planted.hit_unnest TO PUBLIC;
    CREATE FUNCTION planted.unnest(integer[]) RETURNS SETOF integer LANGUAGE plpgsql AS $f$ BEGIN
        PERFORM pg_catalog.nextval('planted.hit_unnest'); RETURN QUERY SELECT pg_catalog.unnest($1); END $f$;
    CREATE FUNCTION planted.unnest(smallint[]) RETURNS SETOF smallint LANGUAGE plpgsql AS $f$ BEGIN
        PERFORM pg_catalog.nextval('planted.hit_unnest'); RETURN QUERY SELECT pg_catalog.unnest($1); END $f$;
    -- oid = regclass: the built-in is oid = oid, reached by a binary-coercible cast
    CREATE SEQUENCE planted.hit_oid_eq; GRANT USAGE, UPDATE ON SEQUENCE planted.hit_oid_eq TO PUBLIC;
    CREATE FUNCTION planted.oid_eq(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN
        PERFORM pg_catalog.nextval('planted.hit_oid_eq');
        RETURN $1 OPERATOR(pg_catalog.=) $2::pg_catalog.oid; END $f$;
    CREATE OPERATOR planted.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = planted.oid_eq);
"""


@pytest.fixture(scope="module")
def trapped(pg_params, make_role):
    """A database whose DBA (a superuser) has `planted, public` as search_path, planted holding
    mallory's traps; a bloated table with a name that needs quotes in public."""
    mallory = make_role(MALLORY)
    dba = make_role(DBA)
    with database(pg_params, "traps") as params:
        async def setup():
            conn = await connect(params)
            try:
                await conn.execute(
                    "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS pgstattuple; "
                    "CREATE EXTENSION IF NOT EXISTS citext; "
                    f"ALTER ROLE {DBA} SUPERUSER; ALTER ROLE {DBA} SET search_path = {PATH}; "
                    f"CREATE SCHEMA planted AUTHORIZATION {MALLORY}; "
                    'CREATE TABLE public."Order Items" (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = off); '
                    "INSERT INTO public.\"Order Items\" SELECT g, repeat('x', 40) FROM generate_series(1, 300) g; "
                    'DELETE FROM public."Order Items" WHERE id % 3 = 0; '
                    "CREATE TABLE public.parent (id int PRIMARY KEY); "
                    "CREATE TABLE public.child (id int PRIMARY KEY, parent_id int REFERENCES public.parent); "
                    "CREATE SEQUENCE public.counter; CREATE TABLE public.pgbench_accounts (aid int); "
                "CREATE SCHEMA shop; CREATE TABLE shop.customer (id bigint PRIMARY KEY, email citext UNIQUE); "
                "CREATE TABLE shop.purchase (id bigint PRIMARY KEY, customer_id bigint REFERENCES shop.customer, "
                "total numeric(10, 2)); "
                # pgbench_tellers: planted's comes first on the path; a view is no pgbench table
                "CREATE TABLE public.pgbench_tellers (tid int); CREATE VIEW public.pgbench_branches AS SELECT 1 AS bid; "
                "ANALYZE")
            finally:
                await conn.close()
            mine = await asyncpg.connect(**mallory.with_database(params.database).asyncpg_kwargs())
            try:
                await mine.execute("GRANT USAGE ON SCHEMA planted TO PUBLIC; CREATE TABLE planted.pgbench_tellers (tid int); "
                                   + SETUP_MALLORY)
            finally:
                await mine.close()
        run(setup())
        yield dba.with_database(params.database)


def hits(params) -> dict[str, int]:
    async def go():
        conn = await connect(params)
        try:
            rows = await conn.fetch("SELECT sequencename::text AS name, last_value FROM pg_sequences "
                                    "WHERE schemaname = 'planted' AND last_value IS NOT NULL")
            return {r["name"]: r["last_value"] for r in rows}
        finally:
            await conn.close()
    return run(go())


def test_the_traps_work_for_a_session_with_that_search_path(trapped):
    """The premise: an ordinary session of the DBA falls into them."""
    async def go():
        conn = await asyncpg.connect(**trapped.asyncpg_kwargs())
        try:
            assert await conn.fetchval("SHOW search_path") == PATH
            await conn.fetchval("SELECT pg_has_role(current_user, 'pg_monitor', 'USAGE')")
        finally:
            await conn.close()
    before = hits(trapped).get("hit_pg_has_role", 0)
    run(go())
    assert hits(trapped).get("hit_pg_has_role", 0) == before + 1


def test_monitor_report_and_exact_bloat_run_no_trap(trapped):
    before = hits(trapped)

    async def go():
        mon = Monitor(trapped)
        try:
            frame = await mon.poll(force=frozenset(VIEWS))
            assert not frame.errors, frame.errors

            async def exact(conn, caps):
                ref = await resolve_table(conn, caps, '"Order Items"')   # found on the DBA's own path
                return ref, await exact_bloat(conn, caps, ref.relid)
            ref, ex = await mon.run(exact)
            assert (ref.schemaname, ref.relname) == ("public", "Order Items") and ex.dead_tuple_count == 100
        finally:
            await mon.close()
        report = await build(trapped, interval=0.1)
        return report
    report = run(go())
    assert hits(trapped) == before
    md = render(report, "md")
    assert "search_path" in md and PATH in md   # the role's own, as its sessions get it


def test_vacuum_by_bare_name_runs_no_trap(trapped):
    before = hits(trapped)

    async def go():
        run_ = VacuumRun(trapped, ['"Order Items"'], VacuumOptions())
        await run_.start()
        return await run_.wait()
    rep = run(go())
    assert [(r.table.schemaname, r.table.relname, r.status) for r in rep.results] == \
        [("public", "Order Items", "done")]
    assert hits(trapped) == before


def test_explain_plans_on_the_role_path_and_runs_no_trap(trapped, pg_version):
    if pg_version < 160000:
        pytest.skip("EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16")
    before = hits(trapped)

    async def go():
        actions = ActionSession(trapped)
        try:
            conn = await console_connect(trapped)
            try:
                caps = await probe(conn)
                assert await conn.fetchval("SHOW search_path") == "pg_catalog, pg_temp"
            finally:
                await conn.close()
            # planned on the DBA's own path, as the statement's session would: the guard sees
            # mallory's operator there and refuses (the plan itself: tests/test_explain_guard.py)
            with pytest.raises(PgConsoleError, match=r"planted\.oid_eq"):
                await actions.explain('SELECT v FROM "Order Items"', trapped.database, caps)
        finally:
            await actions.close()
    run(go())
    assert hits(trapped) == before


def test_bench_finds_its_tables_on_the_role_path(trapped):
    """pgbench names its tables unqualified: the console looks where pgbench will."""
    from pgconsole.bench.run import pgbench_tables
    from pgconsole.db import role_schemas
    before = hits(trapped)

    async def go():
        conn = await console_connect(trapped)
        try:
            caps = await probe(conn)
            return await role_schemas(conn), await pgbench_tables(conn, caps.version_num)
        finally:
            await conn.close()
    schemas, rows = run(go())
    assert schemas[-2:] == ("planted", "public") and "pg_catalog" in schemas
    assert [(r["schema"], r["name"]) for r in rows] == [("public", "pgbench_accounts"), ("planted", "pgbench_tellers")]
    assert hits(trapped) == before


TINY = """description = "one tiny table"
[tables.tiny]
rows = 20
primary_key = "id"
[tables.tiny.columns]
id = { type = "bigint", gen = "serial" }
name = { type = "text", faker = "name" }
email = { type = "citext", faker = "email" }
"""


def test_seed_infers_and_loads_into_its_schema_and_runs_no_trap(trapped, tmp_path):
    """--infer reads the catalog of the schema it is given; the tables a scenario creates, and
    their rows, go to --schema (never to the first schema of the DBA's path). An extension's
    type (citext, in public) is still found where the DBA's own path finds it."""
    from pgconsole.seed import SeedOptions, load_scenario, make_plan, run_seed
    from pgconsole.seed.infer import infer_scenario
    before = hits(trapped)
    (tmp_path / "tiny.toml").write_text(TINY)

    async def go():
        scen = await infer_scenario(trapped, "shop")
        infer = make_plan(scen, SeedOptions(scale=0.01, rows={"customer": 5, "purchase": 5}, schema="shop",
                                            jobs=0), existing_schema=True)
        await run_seed(trapped, infer)
        await run_seed(trapped, make_plan(load_scenario(str(tmp_path / "tiny.toml")),
                                          SeedOptions(schema="made", jobs=0)))
        conn = await connect(trapped)
        try:
            return await conn.fetch("SELECT n.nspname::text AS schema, c.relname::text AS name, c.reltuples "
                                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                    "WHERE c.relname IN ('tiny', 'customer', 'purchase') AND c.relkind = 'r' "
                                    "ORDER BY 1, 2"), \
                await conn.fetchval("SELECT count(email) FROM made.tiny"), \
                await conn.fetchval("SELECT count(*) FROM shop.purchase"), \
                await conn.fetchval("SELECT count(email) FROM shop.customer")
        finally:
            await conn.close()
    tables, tiny, purchases, emails = run(go())
    assert [(r["schema"], r["name"]) for r in tables] == [("made", "tiny"), ("shop", "customer"), ("shop", "purchase")]
    assert (tiny, purchases, emails) == (20, 5, 5)
    assert hits(trapped) == before
