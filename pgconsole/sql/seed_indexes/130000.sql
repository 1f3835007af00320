-- Indexes on the tables $1 (oids) that no constraint owns: their key columns, whether
-- unique, partial or on expressions, and their comment (the seeder marks what it builds).
SELECT
    i.indrelid::int8 AS table_oid,
    ic.relname::text AS name,
    ARRAY(SELECT a.attname::text
          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num
          WHERE k.ord <= i.indnkeyatts
          ORDER BY k.ord) AS columns,
    i.indisunique AS is_unique,
    i.indpred IS NOT NULL AS partial,
    0 = ANY (i.indkey::int2[]) AS has_expression,
    coalesce(obj_description(i.indexrelid, 'pg_class'), '') AS comment
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = ANY ($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY ic.relname
