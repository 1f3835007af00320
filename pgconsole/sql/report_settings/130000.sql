-- The settings a health report quotes, with where each value came from. Names missing
-- on this server version are simply absent. search_path: the value the role's sessions
-- start with (reset_val), not the one pgconsole SET for its own session (pgconsole.db).
SELECT
    s.name::text AS name,
    CASE WHEN s.name = 'search_path' THEN s.reset_val ELSE current_setting(s.name) END AS value,
    s.unit::text AS unit,
    CASE WHEN s.name = 'search_path' AND s.source = 'session' THEN 'session start (server, database or role)'
         ELSE s.source::text END AS source,
    s.short_desc::text AS description,
    s.pending_restart AS pending_restart
FROM pg_settings s
WHERE s.name IN (
    'max_connections', 'superuser_reserved_connections', 'reserved_connections',
    'shared_buffers', 'effective_cache_size', 'work_mem', 'maintenance_work_mem',
    'random_page_cost', 'effective_io_concurrency', 'max_parallel_workers_per_gather',
    'max_wal_size', 'checkpoint_timeout', 'wal_level', 'synchronous_commit', 'fsync',
    'autovacuum', 'autovacuum_max_workers', 'autovacuum_naptime',
    'autovacuum_vacuum_scale_factor', 'autovacuum_analyze_scale_factor',
    'autovacuum_vacuum_cost_limit', 'autovacuum_freeze_max_age',
    'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout',
    'idle_session_timeout', 'track_io_timing', 'track_counts', 'shared_preload_libraries',
    'pg_stat_statements.track', 'pg_stat_statements.max', 'log_min_duration_statement',
    'default_statistics_target', 'jit', 'search_path')
ORDER BY s.category, s.name
