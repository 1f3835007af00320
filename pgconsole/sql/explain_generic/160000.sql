-- The plan of a normalized statement from pg_stat_statements, its $n placeholders left
-- unbound (16+: GENERIC_PLAN). The statement is not executed (no ANALYZE), but planning
-- runs functions (constant folding, selectivity estimation, index expressions...): the
-- caller has checked first that every function it could reach is trusted
-- (pgconsole.explain_guard, sql/explain_guard) and runs both in one READ ONLY
-- transaction. A DO block, because a plain EXPLAIN sent through the extended protocol
-- would make the $n the caller's own parameters (asyncpg would demand values, and bound
-- values would be folded into the plan); inside, EXECUTE parses the text afresh and
-- GENERIC_PLAN accepts the $n. FOR ... IN EXECUTE opens a cursor, which refuses more
-- than one statement. Plan lines come back as NOTICEs.
-- {tag} and {statement} are filled in by pgconsole.actions (a dollar-quoted literal
-- whose tags do not occur in the text). It runs with the statement's search_path: what
-- this block calls itself is qualified with pg_catalog.
DO {tag}
DECLARE
    r record;
BEGIN
    PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);  -- the plan comes back as NOTICEs
    -- the text is parsed as the guard's parser read it (standard strings: a backslash is a character)
    PERFORM pg_catalog.set_config('standard_conforming_strings', 'on', true);
    FOR r IN EXECUTE 'EXPLAIN (GENERIC_PLAN, COSTS ON) ' OPERATOR(pg_catalog.||) {statement} LOOP
        RAISE NOTICE '%', r."QUERY PLAN";
    END LOOP;
END
{tag}
