-- Per-index buffer hits and reads, indexes that were ever read.
SELECT
    s.indexrelid::bigint AS indexrelid,
    s.schemaname::text AS schemaname,
    s.relname::text AS relname,
    s.indexrelname::text AS indexrelname,
    coalesce(s.idx_blks_read, 0) AS idx_blks_read,
    coalesce(s.idx_blks_hit, 0) AS idx_blks_hit
FROM pg_statio_user_indexes s
WHERE coalesce(s.idx_blks_read, 0) + coalesce(s.idx_blks_hit, 0) > 0
