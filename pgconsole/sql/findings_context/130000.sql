-- What the checks need to know about the server and this database, read once per run.
-- stats_reset is NULL until someone resets this database's statistics.
SELECT
    current_database()::text AS current_database,
    pg_postmaster_start_time() AS started_at,
    clock_timestamp() AS sampled_at,
    (SELECT d.stats_reset FROM pg_stat_database d WHERE d.datname = current_database()) AS stats_reset,
    current_setting('shared_buffers') AS shared_buffers,
    current_setting('idle_in_transaction_session_timeout') AS idle_in_transaction_session_timeout,
    current_setting('autovacuum')::bool AS autovacuum,
    current_setting('track_counts')::bool AS track_counts,
    current_setting('autovacuum_freeze_max_age')::bigint AS autovacuum_freeze_max_age,
    pg_is_in_recovery() AS is_standby
