-- Foreign keys with no valid, non-partial index whose leading key columns are the
-- key's columns (in any order). Without one, every DELETE or key UPDATE on the
-- referenced table scans the referencing table. Constraints cloned onto partitions
-- are reported once, on their partitioned parent.
SELECT
    c.oid::bigint AS conid,
    n.nspname::text AS schemaname,
    t.relname::text AS relname,
    c.conname::text AS conname,
    rn.nspname::text AS ref_schemaname,
    rt.relname::text AS ref_relname,
    ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
          ORDER BY k.ord) AS columns,
    greatest(t.reltuples, 0)::float8 AS table_rows,
    pg_table_size(t.oid) AS table_bytes,
    coalesce(rs.n_tup_upd, 0) + coalesce(rs.n_tup_del, 0) AS ref_updates_deletes
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class rt ON rt.oid = c.confrelid
JOIN pg_namespace rn ON rn.oid = rt.relnamespace
LEFT JOIN pg_stat_all_tables rs ON rs.relid = c.confrelid
WHERE c.contype = 'f' AND c.conparentid = 0
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_temp_'
  AND NOT EXISTS (
    SELECT 1 FROM pg_index i
    WHERE i.indrelid = c.conrelid AND i.indisvalid AND i.indpred IS NULL
      AND cardinality(c.conkey) <= i.indnkeyatts
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] @> c.conkey
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)] <@ c.conkey)
ORDER BY t.reltuples DESC, n.nspname, t.relname, c.conname
LIMIT 1000
