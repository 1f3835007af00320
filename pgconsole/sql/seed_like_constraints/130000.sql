-- Constraints of the tables $1 (oids) as `seed --like` re-creates them after the load
-- (read with search_path '': pg_get_constraintdef qualifies what lies outside pg_catalog):
-- primary keys, unique, CHECK, exclusion and foreign keys. Left out because a parent's
-- creation makes them: clones on partitions (conparentid) and CHECKs a partition inherits
-- (not conislocal; a child of plain inheritance, made a table of its own, keeps them).
-- calls_code: depends on a function or operator that is not built in.
SELECT
    con.conrelid::int8 AS table_oid,
    con.conname::text AS name,
    con.contype::text AS type,
    pg_catalog.pg_get_constraintdef(con.oid) AS definition,
    fn.nspname::text AS ref_schema,
    fr.relname::text AS ref_table,
    EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
            WHERE dep.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dep.objid = con.oid
              AND dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                     'pg_catalog.pg_operator'::pg_catalog.regclass,
                                     'pg_catalog.pg_opclass'::pg_catalog.regclass)
              AND dep.refobjid >= 16384) AS calls_code
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class cr ON cr.oid = con.conrelid
LEFT JOIN pg_catalog.pg_class fr ON fr.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fr.relnamespace
WHERE con.conrelid = ANY ($1::oid[])
  AND con.contype IN ('p', 'u', 'c', 'x', 'f')
  AND con.conparentid = 0
  AND (con.conislocal OR NOT cr.relispartition)
ORDER BY con.conrelid, con.contype, con.conname
