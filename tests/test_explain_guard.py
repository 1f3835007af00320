"""EXPLAIN never runs another role's code: the guard's parse (pure), its catalog closure against
the real server (every path the planner takes into user code: views, rules, defaults,
generated columns, CHECK constraints, index expressions and predicates, policies, partition
keys, inheritance children, extended statistics, operators, casts, domains, composite types,
attribute notation, SECURITY DEFINER, the built-ins that run queries), the ordinary statements
that must still explain, and the immutable-function trap pressed as `e` in the console."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from findings_support import connect, database, run
from pgconsole import explain_guard
from pgconsole.actions import ActionSession
from pgconsole.capabilities import probe
from pgconsole.errors import PgConsoleError
from pgconsole.explain_guard import ExplainRefused, names_in
from pgconsole.monitor import Monitor
from pgconsole.ui.app import ConsoleApp

# -- the parse ----------------------------------------------------------------------------


def test_names_cover_functions_operators_types_relations_and_attribute_notation():
    n = names_in("WITH c AS (SELECT 1) SELECT s.f(a.x)::s.dom, b.lbl, (b).g, 1 OPERATOR(s.+) 2, "
                 "x BETWEEN 1 AND 2, y LIKE $1, z = ANY($2), '(1)'::comp, extract(year FROM now()) "
                 "FROM s.tab a TABLESAMPLE system(1) JOIN u b USING (id), c, generate_series(1, 2) g "
                 "WHERE w < ALL (SELECT 1) ORDER BY 1 USING >")
    assert n.kind == "SelectStmt"
    assert {("s", "f"), (None, "now"), ("pg_catalog", "extract"), (None, "generate_series"),
            (None, "system")} <= n.functions
    assert {("s", "+"), (None, "~~"), (None, "<="), (None, ">="), (None, "=")} <= n.operators
    assert {("s", "dom"), (None, "comp")} <= n.types
    assert {("s", "tab"), (None, "u"), (None, "c")} <= n.relations
    assert {"lbl", "g", "x"} <= n.fields


@pytest.mark.parametrize("text, needle", [
    ("SELECT 1; SELECT 2", "2 statements"),
    ("VACUUM t", "this statement is VACUUM$"),
    ("/* c */ CREATE VIEW v AS SELECT 1", "this statement is CREATE VIEW$"),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", "this statement is CREATE FUNCTION"),
    ("EXPLAIN SELECT 1", "this statement is EXPLAIN"),
    ("SELECT ((", "does not parse"),
])
def test_what_is_not_one_explainable_statement_is_refused_before_the_server(text, needle):
    with pytest.raises(ExplainRefused, match=needle):
        names_in(text)


# -- the closure, on the server -------------------------------------------------------------

MALLORY = "guard_mallory"
SETUP = f"""
CREATE TABLE public.plain (id int PRIMARY KEY, v text, d date DEFAULT now());
CREATE TABLE public.other (id int REFERENCES public.plain, w text);
CREATE FUNCTION public.sup_f(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1';
CREATE FUNCTION public.sup_def(int) RETURNS int IMMUTABLE SECURITY DEFINER LANGUAGE sql AS 'SELECT $1';
CREATE SCHEMA m AUTHORIZATION {MALLORY};
CREATE SCHEMA hij AUTHORIZATION {MALLORY};
GRANT CREATE ON SCHEMA public TO {MALLORY};   -- for public.lbl(m.base): b.lbl is lbl(b)
SET ROLE {MALLORY};
CREATE FUNCTION m.f(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN $1; END $$;
CREATE FUNCTION m.vf(int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN RETURN $1; END $$;
CREATE TABLE m.base (a int);
CREATE VIEW m.v AS SELECT a, m.f(1) AS b FROM m.base;
CREATE VIEW m.v2 AS SELECT * FROM m.v;
CREATE TABLE m.t_default (a int DEFAULT m.f(1), b int);
CREATE TABLE m.t_idx (a int); CREATE INDEX ON m.t_idx ((m.f(1) + a));
CREATE TABLE m.t_pred (a int); CREATE INDEX ON m.t_pred (a) WHERE a > m.f(1);
CREATE TABLE m.t_rls (a int); ALTER TABLE m.t_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON m.t_rls USING (a = m.f(1));
CREATE FUNCTION m.eq(int, int) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN $1 = $2; END $$;
CREATE OPERATOR m.=== (LEFTARG = int, RIGHTARG = int, FUNCTION = m.eq);
CREATE DOMAIN m.dom AS int CHECK (m.f(VALUE) > 0);
CREATE TYPE m.comp AS (x m.dom);
CREATE TYPE m.pair AS (x int);
CREATE FUNCTION m.pair_to_int(m.pair) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN 1; END $$;
CREATE CAST (m.pair AS int) WITH FUNCTION m.pair_to_int(m.pair);
CREATE TABLE m.t_check (a int CHECK (m.f(a) > 0));
CREATE TABLE m.t_gen (a int, b int GENERATED ALWAYS AS (m.f(a)) STORED);
CREATE TABLE m.parted (a int) PARTITION BY RANGE ((m.f(a)));
CREATE TABLE m.part1 PARTITION OF m.parted FOR VALUES FROM (0) TO (10);
CREATE TABLE m.tparent (a int);
CREATE TABLE m.tchild (b int) INHERITS (m.tparent);
CREATE INDEX ON m.tchild ((m.f(b)));
CREATE TABLE m.t_dom (a m.dom);
CREATE TABLE m.t_stat (a int, b int);
CREATE STATISTICS m.s ON (m.f(a)), b FROM m.t_stat;
CREATE TABLE m.t_rule (a int); CREATE TABLE m.sink (a int);
CREATE RULE r AS ON INSERT TO m.t_rule DO INSTEAD INSERT INTO m.sink VALUES (m.f(NEW.a));
CREATE FUNCTION m.sd() RETURNS int LANGUAGE sql IMMUTABLE SECURITY DEFINER AS 'SELECT 1';
CREATE TABLE m.t_trig (a int);
CREATE FUNCTION m.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE INSERT ON m.t_trig FOR EACH ROW EXECUTE FUNCTION m.trg();
CREATE FUNCTION public.lbl(m.base) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN 1; END $$;
-- better matches than pg_catalog's for whoever puts schema hij first in the search_path
CREATE FUNCTION hij.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION hij.eq(oid, oid) RETURNS bool LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE OPERATOR hij.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = hij.eq);
RESET ROLE;
"""

REFUSED = [   # (statement, the function named, how it is reached)
    ("SELECT m.f(1)", "m.f(integer)", "called by the statement"),
    ("SELECT m.vf($1)", "m.vf(integer)", "called by the statement"),
    ("SELECT * FROM m.v", "m.f(integer)", "rule _RETURN on view m.v"),
    ("SELECT * FROM m.v2", "m.f(integer)", "rule _RETURN on view m.v"),
    ("INSERT INTO m.t_default (b) VALUES ($1)", "m.f(integer)", "default value for column a"),
    ("SELECT * FROM m.t_idx WHERE a = $1", "m.f(integer)", "index m.t_idx_expr_idx"),
    ("SELECT * FROM m.t_pred WHERE a = $1", "m.f(integer)", "index m.t_pred_a_idx"),
    ("SELECT * FROM m.t_rls", "m.f(integer)", "policy p on table m.t_rls"),
    ("SELECT $1 OPERATOR(m.===) 2", "m.eq(integer, integer)", "operator m.===(integer,integer)"),
    ("SELECT $1::m.dom", "m.f(integer)", "constraint dom_check"),
    ("SELECT $1::m.comp", "m.f(integer)", "constraint dom_check"),
    ("SELECT ROW($1)::m.pair::int", "m.pair_to_int(m.pair)", "cast from m.pair to integer"),
    ("SELECT * FROM m.t_check", "m.f(integer)", "constraint t_check_a_check"),
    ("SELECT * FROM m.t_gen", "m.f(integer)", "default value for column b"),
    ("SELECT * FROM m.parted", "m.f(integer)", "table m.parted"),
    ("SELECT * FROM m.part1", "m.f(integer)", "table m.parted"),
    ("SELECT * FROM m.tparent", "m.f(integer)", "index m.tchild_f_idx"),
    ("SELECT * FROM m.t_dom WHERE a = $1", "m.f(integer)", "constraint dom_check"),
    ("SELECT * FROM m.t_stat WHERE a = $1", "m.f(integer)", "statistics object m.s"),
    ("INSERT INTO m.t_rule VALUES ($1)", "m.f(integer)", "rule r on table m.t_rule"),
    ("SELECT b.lbl FROM m.base b", "public.lbl(m.base)", "called by the statement"),
    ("SELECT m.sd()", "m.sd()", "SECURITY DEFINER"),
    ("SELECT public.sup_def($1)", "public.sup_def(integer)", "SECURITY DEFINER"),
    ("SELECT table_to_xml($1::regclass, true, true, '')", "pg_catalog.table_to_xml(", "runs a query"),
]

ALLOWED = [
    "SELECT * FROM m.t_trig",   # triggers do not fire in EXPLAIN
    "INSERT INTO m.t_trig VALUES ($1)",
    "SELECT p.id, o.w FROM plain p JOIN other o ON o.id = p.id WHERE p.id = ANY($1) AND p.v LIKE $2 ORDER BY 1",
    "WITH x AS (SELECT id FROM plain) SELECT count(*), lower(v), $1::int, now()::date FROM plain "
    "JOIN x USING (id) WHERE id IN (SELECT id FROM other) GROUP BY v",
    "SELECT public.sup_f($1)",   # a superuser's function
    "INSERT INTO plain (id, v) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v",
    "UPDATE plain SET v = $1 WHERE id BETWEEN $2 AND $3",
    "DELETE FROM plain WHERE id = $1 RETURNING *",
    "SELECT * FROM pg_stat_activity WHERE pid = $1",
    "VALUES ($1::int, 2)",
    "SELECT coalesce(v, $1), CASE id WHEN 1 THEN 'a' END FROM plain WHERE v IS DISTINCT FROM $2",
    "SELECT * FROM m.base WHERE a = $1",
]


@pytest.fixture(scope="module")
def guard_db(pg_params, make_role):
    make_role(MALLORY)
    with database(pg_params, "guard") as params:
        async def setup():
            conn = await connect(params)
            try:
                await conn.execute(SETUP)
            finally:
                await conn.close()
        run(setup())
        yield params


async def verdicts(params, statements: list[str]) -> list[str | None]:
    """The guard's answer for each statement: None (allowed) or the refusal, as the console asks."""
    conn = await connect(params)
    out: list[str | None] = []
    try:
        version = int(await conn.fetchval("SHOW server_version_num"))
        for text in statements:
            try:
                async with conn.transaction(readonly=True):
                    await explain_guard.check(conn, names_in(text), version)
                out.append(None)
            except ExplainRefused as exc:
                out.append(str(exc))
    finally:
        await conn.close()
    return out


async def test_every_path_into_user_code_is_refused_naming_the_function(guard_db):
    got = await verdicts(guard_db, [text for text, _, _ in REFUSED])
    for (text, function, how), message in zip(REFUSED, got):
        assert message is not None, f"allowed: {text}"
        assert function in message and how in message, (text, message)
        if "SECURITY DEFINER" not in how and "runs a query" not in how:
            assert f"owned by {MALLORY}, not a superuser" in message, message


async def test_ordinary_statements_pass(guard_db):
    got = await verdicts(guard_db, ALLOWED)
    assert [(t, m) for t, m in zip(ALLOWED, got) if m is not None] == []


async def test_the_check_cannot_be_hijacked_through_the_search_path(guard_db):
    """The session's own path puts a schema someone else writes to first: the guard's catalog
    query runs under pg_catalog only (else the planted unnest or = would run and say 'hijacked'),
    the statement is still judged with the session's path (where those are candidates: refused,
    by name), and that path is put back for the EXPLAIN."""
    conn = await connect(guard_db)
    try:
        version = int(await conn.fetchval("SHOW server_version_num"))
        await conn.execute("SET search_path = hij, pg_catalog, public")
        async with conn.transaction(readonly=True):
            with pytest.raises(ExplainRefused, match=r"hij\.eq\(oid, oid\) \(owned by guard_mallory") as e:
                await explain_guard.check(conn, names_in("SELECT * FROM plain WHERE id = $1"), version)
            assert "hijacked" not in str(e.value)
            assert await conn.fetchval("SHOW search_path") == "hij, pg_catalog, public"
            with pytest.raises(ExplainRefused, match=r"hij\.unnest\(text\[\]\)"):
                await explain_guard.check(conn, names_in("SELECT unnest($1::text[])"), version)
    finally:
        await conn.close()


async def test_the_check_fails_closed(guard_db):
    conn = await connect(guard_db)
    try:
        await conn.execute("BEGIN; SET LOCAL statement_timeout = 1; SELECT pg_sleep(0.01)")
    except asyncpg.QueryCanceledError:
        pass
    try:   # an aborted transaction: the closure cannot be read, so nothing is planned
        with pytest.raises(ExplainRefused, match="could not check"):
            await explain_guard.check(conn, names_in("SELECT 1"), 160000)
    finally:
        await conn.close()


# -- EXPLAIN through the action session (16+: GENERIC_PLAN) ------------------------------------

async def test_explain_refuses_user_code_and_still_plans_ordinary_statements(guard_db, pg_version):
    if pg_version < 160000:
        pytest.skip("EXPLAIN (GENERIC_PLAN) needs PostgreSQL 16 (before, the console says so)")
    actions = ActionSession(guard_db)
    conn = await connect(guard_db)
    try:
        caps = await probe(conn)
        for text in ("SELECT * FROM plain p JOIN other o USING (id) WHERE p.id = ANY($1)",
                     "SELECT lower(v)::varchar(3), $1::int + 1 FROM plain WHERE d > now() - interval '1 day'",
                     "SELECT public.sup_f($1)", "SELECT * FROM m.t_trig"):
            res = await actions.explain(text, guard_db.database, caps)
            assert "cost=" in res.plan, (text, res.plan)
        with pytest.raises(ExplainRefused, match=r"m\.f\(integer\)"):
            await actions.explain("SELECT * FROM m.v WHERE a = $1", guard_db.database, caps)
        # a refusal leaves the action session usable
        assert "cost=" in (await actions.explain("SELECT 1", guard_db.database, caps)).plan
    finally:
        await actions.close()
        await conn.close()


# -- the trap, pressed as `e` in the console ---------------------------------------------------

def console(params, **kw) -> ConsoleApp:
    return ConsoleApp(Monitor(params), ActionSession(params), target=params.describe(), refresh_s=0.5,
                      poll_timeout_s=15, **kw)


async def wait_for(pilot, cond, timeout: float = 15.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"{what} not reached in {timeout}s")
        await pilot.pause(0.05)


EVIL = """
CREATE FUNCTION evil.evil() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        PERFORM pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity
         WHERE application_name = 'victim';
    END IF;
    RETURN 1;
END $$;
"""


@pytest.mark.parametrize("read_only", [True, False])
async def test_the_immutable_function_trap_does_not_fire(fresh_db, make_role, pg_version, read_only):
    role = make_role("evil", database=fresh_db.database)
    admin = await connect(fresh_db)
    await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE SCHEMA evil AUTHORIZATION evil")
    mallory = await asyncpg.connect(**role.asyncpg_kwargs())
    victim = await connect(fresh_db, application_name="victim")
    app = console(fresh_db, read_only=read_only)
    try:
        await mallory.execute(EVIL)
        for _ in range(3):
            await mallory.fetchval("SELECT evil.evil()")   # as herself: harmless, and now in pg_stat_statements
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            pane = app.current_pane

            def trap() -> bool:
                key = next((k for k, s in pane._objects.items() if (s.query or "").strip() == "SELECT evil.evil()"), None)
                return key is not None and pane.table.select_key(key)

            await wait_for(pilot, trap, what="the trap's statement")
            await pilot.press("e")
            if pg_version >= 160000:
                await wait_for(pilot, lambda: any(n.title == "EXPLAIN refused" for n in app._notifications),
                               what=f"the refusal {[n.message for n in app._notifications]}")
                told = next(n.message for n in app._notifications if n.title == "EXPLAIN refused")
                assert "evil.evil()" in told and "owned by evil, not a superuser" in told
            else:
                await wait_for(pilot, lambda: any("16 or later" in n.message for n in app._notifications),
                               what="the unavailable notice")
            await pilot.pause(0.3)
        assert await victim.fetchval("SELECT 1") == 1   # the victim's session survived
        if pg_version >= 160000:
            # the trap is real: the same EXPLAIN without the guard ends the victim's session
            pid = victim.get_server_pid()
            await admin.execute("BEGIN READ ONLY; EXPLAIN (GENERIC_PLAN) SELECT evil.evil(); ROLLBACK")
            gone = "SELECT NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = $1)"
            for _ in range(50):
                if await admin.fetchval(gone, pid):
                    break
                await asyncio.sleep(0.1)
            assert await admin.fetchval(gone, pid)
    finally:
        await app.source.close()
        await app.actions.close()
        for c in (admin, mallory, victim):
            if not c.is_closed():
                c.terminate()


async def test_before_16_the_console_says_why_it_cannot(guard_db, pg_version):
    if pg_version >= 160000:
        pytest.skip("16+ plans with GENERIC_PLAN")
    actions = ActionSession(guard_db)
    conn = await connect(guard_db)
    try:
        with pytest.raises(PgConsoleError, match="16 or later"):
            await actions.explain("SELECT 1", None, await probe(conn))
    finally:
        await actions.close()
        await conn.close()
