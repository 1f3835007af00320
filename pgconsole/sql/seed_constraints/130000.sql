-- Constraints on the tables $1 (oids) and foreign keys pointing at them from anywhere
-- (a TRUNCATE fails if another table refers to one of them), with their comment (the
-- seeder marks what it builds). Clones on partitions are skipped, but for a partition
-- among $1 (seed --like seeds partitions): its foreign keys order the load.
SELECT
    con.conname::text AS name,
    con.contype::text AS type,
    con.conrelid::int8 AS table_oid,
    cn.nspname::text AS table_schema,
    cr.relname::text AS table_name,
    ARRAY(SELECT a.attname::text
          FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
          ORDER BY k.ord) AS columns,
    con.confrelid::int8 AS ref_oid,
    fn.nspname::text AS ref_schema,
    fr.relname::text AS ref_table,
    ARRAY(SELECT a.attname::text
          FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
          ORDER BY k.ord) AS ref_columns,
    con.condeferrable AS deferrable,
    pg_get_constraintdef(con.oid) AS definition,
    coalesce(obj_description(con.oid, 'pg_constraint'), '') AS comment
FROM pg_constraint con
JOIN pg_class cr ON cr.oid = con.conrelid
JOIN pg_namespace cn ON cn.oid = cr.relnamespace
LEFT JOIN pg_class fr ON fr.oid = con.confrelid
LEFT JOIN pg_namespace fn ON fn.oid = fr.relnamespace
WHERE (con.conrelid = ANY ($1::oid[]) OR con.confrelid = ANY ($1::oid[]))
  AND (con.conparentid = 0 OR cr.relispartition AND con.conrelid = ANY ($1::oid[]))
ORDER BY cr.relname, con.conname
