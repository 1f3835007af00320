-- The plan of a normalized statement from pg_stat_statements, its $n placeholders left
-- unbound (16+: GENERIC_PLAN). Nothing is executed: no ANALYZE. A DO block, because a
-- plain EXPLAIN sent through the extended protocol would make the $n the caller's own
-- parameters (asyncpg would demand values, and bound values would be folded into the
-- plan); inside, EXECUTE parses the text afresh and GENERIC_PLAN accepts the $n.
-- FOR ... IN EXECUTE opens a cursor, which refuses more than one statement; the caller
-- also runs this in a READ ONLY transaction. Plan lines come back as NOTICEs.
-- {tag} and {statement} are filled in by pgconsole.actions (a dollar-quoted literal
-- whose tags do not occur in the text).
DO {tag}
DECLARE
    r record;
BEGIN
    PERFORM set_config('client_min_messages', 'notice', true);  -- the plan comes back as NOTICEs
    FOR r IN EXECUTE 'EXPLAIN (GENERIC_PLAN, COSTS ON) ' || {statement} LOOP
        RAISE NOTICE '%', r."QUERY PLAN";
    END LOOP;
END
{tag}
