-- The plan of a normalized statement from pg_stat_statements, $n placeholders left
-- unbound (16+: GENERIC_PLAN). Nothing is executed: no ANALYZE. {statement} is the
-- normalized text; it is sent through the extended protocol, which refuses more
-- than one statement, inside a READ ONLY transaction.
EXPLAIN (GENERIC_PLAN, COSTS ON, VERBOSE OFF) {statement}
