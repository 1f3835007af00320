-- Progress of the VACUUM/ANALYZE running in backend $1 (one of our own sessions),
-- with its wait state. 17 renamed max_dead_tuples -> max_dead_tuple_bytes and
-- num_dead_tuples -> num_dead_item_ids (TID store), and added dead_tuple_bytes,
-- indexes_total and indexes_processed.
SELECT a.pid,
       coalesce(v.relid, z.relid)::bigint AS relid,
       CASE WHEN v.pid IS NOT NULL THEN 'VACUUM' WHEN z.pid IS NOT NULL THEN 'ANALYZE' END AS command,
       coalesce(v.phase, z.phase)::text AS phase,
       v.heap_blks_total::bigint AS heap_blks_total,
       v.heap_blks_scanned::bigint AS heap_blks_scanned,
       v.heap_blks_vacuumed::bigint AS heap_blks_vacuumed,
       v.index_vacuum_count::bigint AS index_vacuum_count,
       NULL::bigint AS max_dead_tuples,
       NULL::bigint AS num_dead_tuples,
       v.max_dead_tuple_bytes::bigint AS max_dead_tuple_bytes,
       v.dead_tuple_bytes::bigint AS dead_tuple_bytes,
       v.num_dead_item_ids::bigint AS num_dead_item_ids,
       v.indexes_total::bigint AS indexes_total,
       v.indexes_processed::bigint AS indexes_processed,
       z.sample_blks_total::bigint AS sample_blks_total,
       z.sample_blks_scanned::bigint AS sample_blks_scanned,
       z.ext_stats_total::bigint AS ext_stats_total,
       z.ext_stats_computed::bigint AS ext_stats_computed,
       z.child_tables_total::bigint AS child_tables_total,
       z.child_tables_done::bigint AS child_tables_done,
       NULL::float8 AS delay_ms,
       a.wait_event_type::text AS wait_event_type,
       a.wait_event::text AS wait_event,
       -- pg_blocking_pids only for a backend that waits on a lock (it is not free)
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS running_s
FROM pg_stat_activity a
LEFT JOIN pg_stat_progress_vacuum v ON v.pid = a.pid
LEFT JOIN pg_stat_progress_analyze z ON z.pid = a.pid
WHERE a.pid = $1
