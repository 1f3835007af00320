-- Per-table buffer hits and reads (heap, indexes, TOAST), tables that were ever read.
SELECT
    s.relid::bigint AS relid,
    s.schemaname::text AS schemaname,
    s.relname::text AS relname,
    coalesce(s.heap_blks_read, 0) AS heap_blks_read,
    coalesce(s.heap_blks_hit, 0) AS heap_blks_hit,
    coalesce(s.idx_blks_read, 0) AS idx_blks_read,
    coalesce(s.idx_blks_hit, 0) AS idx_blks_hit,
    coalesce(s.toast_blks_read, 0) + coalesce(s.tidx_blks_read, 0) AS toast_blks_read,
    coalesce(s.toast_blks_hit, 0) + coalesce(s.tidx_blks_hit, 0) AS toast_blks_hit,
    c.relpages::bigint * current_setting('block_size')::bigint AS size_bytes
FROM pg_statio_user_tables s
JOIN pg_class c ON c.oid = s.relid
WHERE coalesce(s.heap_blks_read, 0) + coalesce(s.heap_blks_hit, 0)
    + coalesce(s.idx_blks_read, 0) + coalesce(s.idx_blks_hit, 0) > 0
