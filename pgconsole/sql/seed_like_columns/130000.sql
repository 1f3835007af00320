-- Columns of the tables $1 (oids) as `seed --like` re-creates them (read with search_path
-- '': types and expressions schema-qualified): the type as format_type() spells it, a
-- collation other than the type's, NOT NULL, the default or generation expression
-- (pg_get_expr), identity, the statistics target and per-column options. calls_code: the
-- expression depends on a function or operator that is not built in (oid 16384 and up:
-- another role's code, or an extension's), so it is left out rather than copied. type_oid
-- and type_schema tell the types the copy creates itself from those it needs.
SELECT
    a.attrelid::int8 AS table_oid,
    a.attname::text AS name,
    pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
    a.atttypid::int8 AS type_oid,
    tn.nspname::text AS type_schema,
    CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN cn.nspname::text END AS collation_schema,
    CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN co.collname::text END AS collation,
    a.attnotnull AS not_null,
    a.attidentity::text AS identity,
    a.attgenerated::text AS generated,
    pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS expression,
    d.oid IS NOT NULL AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_depend dep
        WHERE dep.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND dep.objid = d.oid
          AND dep.refclassid IN ('pg_catalog.pg_proc'::pg_catalog.regclass,
                                 'pg_catalog.pg_operator'::pg_catalog.regclass)
          AND dep.refobjid >= 16384) AS calls_code,
    CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::int4 END AS stattarget,
    coalesce(a.attoptions::text[], '{}') AS options
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY ($1::oid[])
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
