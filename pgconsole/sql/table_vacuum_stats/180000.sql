-- Before/after figures for one table ($1 oid). A partitioned table has no storage of
-- its own: its figures are the sums over its leaf partitions. Sizes take an
-- AccessShareLock, so under a conflicting lock this query waits (bounded by lock_timeout).
-- 18 adds cumulative time spent in (manual) VACUUM and ANALYZE per table.
WITH target AS (
    SELECT c.oid, c.relkind FROM pg_class c WHERE c.oid = $1::oid
), leaves AS (
    SELECT t.oid AS relid FROM target t WHERE t.relkind <> 'p'
    UNION ALL
    SELECT p.relid FROM target t, pg_partition_tree(t.oid) p WHERE t.relkind = 'p' AND p.isleaf
)
SELECT count(l.relid)::int AS leaves,
       coalesce(sum(s.n_live_tup), 0)::bigint AS live_tuples,
       coalesce(sum(s.n_dead_tup), 0)::bigint AS dead_tuples,
       coalesce(sum(s.n_mod_since_analyze), 0)::bigint AS mod_since_analyze,
       coalesce(sum(pg_table_size(l.relid)), 0)::bigint AS table_bytes,
       coalesce(sum(pg_total_relation_size(l.relid)), 0)::bigint AS total_bytes,
       (coalesce(sum(pg_relation_size(l.relid)), 0) / current_setting('block_size')::int)::bigint AS heap_blocks,
       max(s.last_vacuum) AS last_vacuum,
       max(s.last_autovacuum) AS last_autovacuum,
       max(s.last_analyze) AS last_analyze,
       max(s.last_autoanalyze) AS last_autoanalyze,
       coalesce(sum(s.vacuum_count), 0)::bigint AS vacuum_count,
       coalesce(sum(s.autovacuum_count), 0)::bigint AS autovacuum_count,
       coalesce(sum(s.analyze_count), 0)::bigint AS analyze_count,
       coalesce(sum(s.autoanalyze_count), 0)::bigint AS autoanalyze_count,
       sum(s.total_vacuum_time)::float8 AS total_vacuum_ms,
       sum(s.total_analyze_time)::float8 AS total_analyze_ms
FROM leaves l
LEFT JOIN pg_stat_all_tables s ON s.relid = l.relid
