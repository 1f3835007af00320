-- The plan of a normalized statement, as JSON, for `seed --like` to compare on source and
-- target: as explain_generic (GENERIC_PLAN, 16+: its $n placeholders unbound; nothing is
-- executed; the caller has run pgconsole.explain_guard first in the same READ ONLY
-- transaction), in FORMAT JSON. The plan comes back as a NOTICE. The tag and the statement
-- (dollar-quoted, by tags not in its text) are put in by pgconsole.seed.like_statements.
DO {tag}
DECLARE
    r record;
BEGIN
    PERFORM pg_catalog.set_config('client_min_messages', 'notice', true);
    PERFORM pg_catalog.set_config('standard_conforming_strings', 'on', true);
    FOR r IN EXECUTE 'EXPLAIN (GENERIC_PLAN, FORMAT JSON) ' OPERATOR(pg_catalog.||) {statement} LOOP
        RAISE NOTICE '%', r."QUERY PLAN";
    END LOOP;
END
{tag}
