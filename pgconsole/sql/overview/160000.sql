-- Server-wide counters for the header; rates come from two samples (pgconsole.derive).
-- 16 adds reserved_connections, which ordinary roles cannot use either.
-- A session of another role shows no type or state to a role without pg_read_all_stats:
-- one with a database and a user is counted as a client ('hidden'); background
-- processes have neither (parallel workers of other roles are counted as clients too).
-- $1: count the sessions here; false when the connections query of the same poll has
-- counted them (its one read of pg_stat_activity, which costs as much as the rest of this
-- query on a server with a thousand sessions): pg_stat_activity is then not read at all.
WITH client_states AS (
    SELECT coalesce(a.state, 'hidden') AS state, count(*)::int AS sessions
    FROM pg_stat_activity a
    WHERE $1::bool
      AND (a.backend_type = 'client backend'
           OR (a.backend_type IS NULL AND a.datid IS NOT NULL AND a.usesysid IS NOT NULL))
    GROUP BY 1
)
SELECT
    current_setting('server_version') AS version,
    current_setting('server_version_num')::int AS version_num,
    pg_postmaster_start_time() AS started_at,
    clock_timestamp() AS sampled_at,
    pg_is_in_recovery() AS is_standby,
    current_database() AS current_database,
    current_setting('max_connections')::int AS max_connections,
    -- slots ordinary roles cannot use: the superusers' and, from 16, reserved_connections
    -- (for roles with pg_use_reserved_connections)
    current_setting('superuser_reserved_connections')::int
      + current_setting('reserved_connections')::int AS reserved_connections,
    coalesce((SELECT sum(s.sessions) FROM client_states s), 0)::int AS connections_used,
    sum(d.xact_commit)::bigint AS xact_commit,
    sum(d.xact_rollback)::bigint AS xact_rollback,
    sum(d.tup_returned)::bigint AS tup_returned,
    sum(d.tup_fetched)::bigint AS tup_fetched,
    sum(d.tup_inserted)::bigint AS tup_inserted,
    sum(d.tup_updated)::bigint AS tup_updated,
    sum(d.tup_deleted)::bigint AS tup_deleted,
    sum(d.blks_read)::bigint AS blks_read,
    sum(d.blks_hit)::bigint AS blks_hit,
    sum(d.temp_bytes)::bigint AS temp_bytes,
    sum(d.temp_files)::bigint AS temp_files,
    sum(d.deadlocks)::bigint AS deadlocks,
    (SELECT checkpoints_timed FROM pg_stat_bgwriter) AS checkpoints_timed,
    (SELECT checkpoints_req FROM pg_stat_bgwriter) AS checkpoints_requested,
    (SELECT buffers_checkpoint FROM pg_stat_bgwriter) AS checkpoint_buffers_written,
    extract(epoch FROM max(d.stats_reset))::float8 AS stats_reset_epoch,
    -- client sessions by state ($1 true; NULL otherwise)
    (SELECT array_agg(s.state ORDER BY s.state) FROM client_states s) AS client_states,
    (SELECT array_agg(s.sessions ORDER BY s.state) FROM client_states s) AS client_state_sessions
FROM pg_stat_database d
