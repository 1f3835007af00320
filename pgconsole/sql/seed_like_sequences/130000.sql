-- Sequences of schema $1 with their settings, and the column that owns one: 'a' (a serial
-- column's, ALTER SEQUENCE ... OWNED BY) or 'i' (an identity column's, created with it).
-- extension: created by an extension, not copied. Read with search_path ''.
SELECT
    c.relname::text AS name,
    pg_catalog.format_type(s.seqtypid, NULL) AS type,
    s.seqstart AS start,
    s.seqincrement AS increment,
    s.seqmin AS min,
    s.seqmax AS max,
    s.seqcache AS cache,
    s.seqcycle AS cycle,
    d.deptype::text AS owned,
    tn.nspname::text AS table_schema,
    t.relname::text AS table_name,
    a.attname::text AS column_name,
    EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
            WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND e.objid = c.oid
              AND e.deptype = 'e') AS extension
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
    AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjsubid > 0 AND d.deptype IN ('a', 'i')
LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE n.nspname = $1
ORDER BY c.relname
