-- Types defined in schema $1 (read with search_path '': names schema-qualified), as
-- `seed --like` re-creates them: enums with their labels in order, domains with their base
-- type, collation, NOT NULL, default and CHECK constraints, composite types with their
-- attributes. depends: the types each one is built on (array types by their element), to
-- create them in order. extension: a member of an extension (created by CREATE EXTENSION,
-- not copied). Other kinds (ranges, base types with C functions) are listed, not copied.
-- *calls_code: the default or a CHECK depends on a function or operator that is not built in.
SELECT
    t.oid::int8 AS oid,
    t.typname::text AS name,
    t.typtype::text AS kind,
    t.typarray::int8 AS array_oid,
    EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
            WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND e.objid = t.oid
              AND e.deptype = 'e') AS extension,
    ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid
          ORDER BY e.enumsortorder) AS labels,
    CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base,
    CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN cn.nspname::text END AS collation_schema,
    CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation THEN co.collname::text END AS collation,
    t.typnotnull AS not_null,
    CASE WHEN t.typdefaultbin IS NOT NULL THEN pg_catalog.pg_get_expr(t.typdefaultbin, 0) END AS default_value,
    EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
            WHERE dep.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND dep.objid = t.oid
              AND dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                     'pg_catalog.pg_operator'::pg_catalog.regclass)
              AND dep.refobjid >= 16384) AS default_calls_code,
    ARRAY(SELECT c.conname::text FROM pg_catalog.pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_names,
    ARRAY(SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_catalog.pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_defs,
    ARRAY(SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep
                         WHERE dep.classid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND dep.objid = c.oid
                           AND dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                                  'pg_catalog.pg_operator'::pg_catalog.regclass)
                           AND dep.refobjid >= 16384)
          FROM pg_catalog.pg_constraint c
          WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname) AS check_calls_code,
    ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attributes,
    ARRAY(SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
          WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS attribute_types,
    ARRAY(SELECT CASE WHEN at.typelem <> 0 AND at.typlen = -1 THEN at.typelem ELSE at.oid END::int8
          FROM pg_catalog.pg_type at
          WHERE at.oid = t.typbasetype
             OR at.oid IN (SELECT a.atttypid FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)) AS depends
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = t.typrelid
WHERE n.nspname = $1
  AND t.typtype IN ('e', 'd', 'c', 'r', 'b')
  AND (t.typtype <> 'c' OR r.relkind = 'c')
  AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
ORDER BY t.typname
