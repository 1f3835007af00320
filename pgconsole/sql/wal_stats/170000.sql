-- WAL, checkpoints and the archiver (one row); 17 moved the checkpoint counters to
-- pg_stat_checkpointer (num_timed, num_requested, write_time...) and counts a standby's
-- restartpoints apart. The WAL position gives bytes per second between two samples (on a standby:
-- WAL replayed).
SELECT
    pg_is_in_recovery() AS is_standby,
    pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END,
                    '0/0')::bigint AS lsn_bytes,
    w.wal_records,
    w.wal_fpi,
    w.wal_bytes::bigint AS wal_bytes,
    w.wal_buffers_full,
    b.num_timed AS checkpoints_timed,
    b.num_requested AS checkpoints_requested,
    b.restartpoints_timed,
    b.restartpoints_req AS restartpoints_requested,
    b.write_time AS checkpoint_write_ms,
    b.sync_time AS checkpoint_sync_ms,
    b.buffers_written AS checkpoint_buffers,
    b.stats_reset AS checkpoint_stats_reset,
    extract(epoch FROM current_setting('checkpoint_timeout')::interval)::float8 AS checkpoint_timeout_s,
    pg_size_bytes(current_setting('max_wal_size')) AS max_wal_size_bytes,
    current_setting('archive_mode') AS archive_mode,
    coalesce(nullif(current_setting('archive_library', true), '') || ' (archive_library)',
             current_setting('archive_command')) AS archive_command,   -- archive_library: 15+
    a.archived_count,
    a.last_archived_wal,
    extract(epoch FROM clock_timestamp() - a.last_archived_time)::float8 AS last_archived_age_s,
    a.failed_count,
    a.last_failed_wal,
    extract(epoch FROM clock_timestamp() - a.last_failed_time)::float8 AS last_failed_age_s,
    a.stats_reset AS archiver_stats_reset,
    NULL::int AS archive_ready,   -- filled from archive_ready (pg_monitor) when archiving is on
    extract(epoch FROM clock_timestamp() - greatest(b.stats_reset, pg_postmaster_start_time()))::float8
        AS stats_age_s
FROM pg_stat_checkpointer b
CROSS JOIN pg_stat_archiver a
CROSS JOIN pg_stat_wal w
