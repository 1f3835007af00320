-- What this role may see and which extensions are here: probed once per connection.
SELECT
    current_setting('server_version_num')::int AS version_num,
    current_setting('server_version') AS version,
    current_database() AS current_database,
    current_user AS current_user,
    pg_backend_pid() AS own_pid,
    r.rolsuper AS is_superuser,
    pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS read_all_stats,
    pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor,
    pg_has_role(current_user, 'pg_signal_backend', 'USAGE') AS signal_backend,
    -- readable only with pg_read_all_settings: NULL means unknown, not empty
    CASE WHEN r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')
         THEN current_setting('shared_preload_libraries') END AS shared_preload_libraries,
    current_setting('track_io_timing')::bool AS track_io_timing,
    pg_is_in_recovery() AS is_standby,
    (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pg_stat_statements') AS pgss_schema,
    (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pg_stat_statements') AS pgss_version,
    (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pgstattuple') AS pgstattuple_schema,
    EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') AS pgss_available
FROM pg_roles r
WHERE r.rolname = current_user
