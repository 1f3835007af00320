-- Autovacuum's settings and its workers at work, server-wide (one row with NULL pid when none):
-- what each vacuums or analyzes, its phase and progress, for how long. The relation is named
-- here only when it is in this database (an oid means nothing in another); the query text
-- names it otherwise, and says "(to prevent wraparound)" for an anti-wraparound run. Other
-- roles' workers show their query and progress only with pg_read_all_stats.
WITH w AS (
    SELECT a.pid, a.datname::text AS database, a.query,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS running_s,
           coalesce(v.phase, 'analyze: ' || an.phase) AS phase,
           v.heap_blks_total, v.heap_blks_scanned, v.index_vacuum_count,
           CASE WHEN coalesce(v.datname, an.datname) = current_database()
                THEN coalesce(v.relid, an.relid)::regclass::text END AS relation
    FROM pg_stat_activity a
    LEFT JOIN pg_stat_progress_vacuum v ON v.pid = a.pid
    LEFT JOIN pg_stat_progress_analyze an ON an.pid = a.pid
    WHERE a.backend_type = 'autovacuum worker'
), g AS (
    SELECT current_setting('autovacuum')::bool AS autovacuum,
           current_setting('track_counts')::bool AS track_counts,
           current_setting('autovacuum_max_workers')::int AS max_workers,
           extract(epoch FROM current_setting('autovacuum_naptime')::interval)::float8 AS naptime_s,
           (SELECT count(*) FROM w)::int AS workers_busy
)
SELECT g.autovacuum, g.track_counts, g.max_workers, g.naptime_s, g.workers_busy,
       w.pid, w.database, w.query, w.running_s, w.phase, w.heap_blks_total, w.heap_blks_scanned,
       w.index_vacuum_count, w.relation
FROM g
LEFT JOIN w ON true
ORDER BY w.running_s DESC NULLS LAST
