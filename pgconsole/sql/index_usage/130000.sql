-- Every index on a user relation with its use since the statistics were reset, what
-- it enforces, and how busy its table is. Feeds unused_index, invalid_index and the
-- report's index and capacity sections. Largest first.
SELECT
    i.indexrelid::bigint AS indexrelid,
    i.indrelid::bigint AS relid,
    n.nspname::text AS schemaname,
    t.relname::text AS relname,
    c.relname::text AS indexrelname,
    z.size_bytes,
    coalesce(s.idx_scan, 0) AS idx_scan,
    coalesce(s.idx_tup_read, 0) AS idx_tup_read,
    i.indisunique AS is_unique,
    i.indisprimary AS is_primary,
    i.indisvalid AS is_valid,
    -- CREATE INDEX CONCURRENTLY in progress: invalid until it finishes, not broken
    EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid) AS being_built,
    con.conname::text AS constraint_name,
    i.indisreplident AS is_replica_identity,
    am.amname::text AS method,
    pg_get_indexdef(i.indexrelid) AS definition,
    i.indpred IS NOT NULL AS is_partial,
    -- attached to a partitioned index: dropped or rebuilt through its parent, not alone
    c.relispartition AS is_partition_index,
    greatest(t.reltuples, 0)::float8 AS table_rows,
    coalesce(ts.seq_scan, 0) AS table_seq_scan,
    coalesce(ts.idx_scan, 0) AS table_idx_scan,
    fk.names AS supports_fk
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid AND c.relkind = 'i'
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = c.relam
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
LEFT JOIN pg_stat_all_tables ts ON ts.relid = i.indrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
    AND con.contype IN ('p', 'u', 'x')
LEFT JOIN LATERAL (
    -- foreign keys whose columns are this index's leading key columns: the index serves
    -- the lookups a DELETE or UPDATE on the referenced table makes, even with no idx_scan yet
    SELECT string_agg(f.conname::text, ', ' ORDER BY f.conname) AS names
    FROM pg_constraint f
    WHERE f.conrelid = i.indrelid AND f.contype = 'f'
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] @> f.conkey
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(f.conkey)] <@ f.conkey
      AND cardinality(f.conkey) <= i.indnkeyatts
) fk ON true
CROSS JOIN LATERAL (SELECT pg_relation_size(i.indexrelid) AS size_bytes) z
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND n.nspname !~ '^pg_temp_'
-- every index, no cap: the report's totals and the checks count them all
ORDER BY z.size_bytes DESC, c.relname
