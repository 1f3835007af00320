-- Indexes of the tables $1 (oids) that no constraint owns, as pg_get_indexdef writes them
-- (read with search_path '': schema-qualified), for `seed --like` to build after the load.
-- An index a partition holds because its partitioned parent's index made it (pg_inherits)
-- is left out: the parent's, built without ONLY, makes it again. Extended statistics
-- objects on the tables come along (pg_get_statisticsobjdef), built before ANALYZE.
-- calls_code: depends on a function, operator or operator class that is not built in.
SELECT
    i.indrelid::int8 AS table_oid,
    ic.relname::text AS name,
    'index'::text AS kind,
    pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
    EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
            WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = i.indexrelid
              AND dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                     'pg_catalog.pg_operator'::pg_catalog.regclass,
                                     'pg_catalog.pg_opclass'::pg_catalog.regclass)
              AND dep.refobjid >= 16384) AS calls_code
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY ($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                  WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = i.indexrelid)
UNION ALL
SELECT
    s.stxrelid::int8,
    s.stxname::text,
    'statistics'::text,
    pg_catalog.pg_get_statisticsobjdef(s.oid),
    false
FROM pg_catalog.pg_statistic_ext s
WHERE s.stxrelid = ANY ($1::oid[])
ORDER BY 1, 3, 2
