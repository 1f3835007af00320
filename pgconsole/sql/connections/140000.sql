-- Every backend ($2 true), or every one but the idle sessions that block nobody (the
-- console with idle sessions hidden: they are most rows, and only counted). One read of
-- pg_stat_activity serves the rows, the count of client sessions by state (on the
-- console's own row only: client_state_counts) and the lock waits;
-- the own row also carries the overview's figures (o).
-- 14+: query_id links to pg_stat_statements (13: 130000.sql).
-- $1: longest query text to return; $3: pids to return whatever their state (idle blockers).
-- What each waiter waits for is read apart (waiter_locks).
WITH a AS MATERIALIZED (
    -- the view's own function: the view joins every row to pg_database and pg_authid,
    -- here only the rows sent are (the others are counted)
    SELECT pid, application_name, client_addr, client_port, backend_type,
           state, wait_event_type, wait_event, backend_start, xact_start, query_start,
           state_change, query, query_id, leader_pid, backend_xmin, datid, usesysid,
           -- sessions waiting on a lock: who blocks them (pg_blocking_pids() takes the lock
           -- manager's shared state, so it runs for these only)
           CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END AS blocked_by
    FROM pg_stat_get_activity(NULL)
),
s AS MATERIALIZED (
    -- another role's session shows no type or state to a role without pg_read_all_stats:
    -- one with a database and a user is counted as a client ('hidden')
    SELECT coalesce(state, 'hidden') AS state, count(*)::int AS sessions
    FROM a
    WHERE backend_type = 'client backend'
       OR (backend_type IS NULL AND datid IS NOT NULL AND usesysid IS NOT NULL)
    GROUP BY 1
),
o AS MATERIALIZED (
    -- the overview's server-wide figures (pgconsole/sql/overview, whose variants these
    -- follow): on the console's own row, so a poll is one statement, one round trip
    SELECT
        current_setting('server_version') AS version,
        current_setting('server_version_num')::int AS version_num,
        pg_postmaster_start_time() AS started_at,
        clock_timestamp() AS sampled_at,
        pg_is_in_recovery() AS is_standby,
        current_database() AS current_database,
        current_setting('max_connections')::int AS max_connections,
        -- slots ordinary roles cannot use (16 adds reserved_connections: 160000.sql)
        current_setting('superuser_reserved_connections')::int AS reserved_connections,
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
        extract(epoch FROM max(d.stats_reset))::float8 AS stats_reset_epoch
    FROM pg_stat_database d
)
SELECT
    a.pid,
    pg_get_userbyid(a.usesysid)::text AS usename,   -- the syscache: no scan of pg_authid
    d.datname::text AS datname,
    a.application_name,
    host(a.client_addr) AS client_addr,
    a.client_port,
    a.backend_type,
    a.state,
    a.wait_event_type,
    a.wait_event,
    extract(epoch FROM clock_timestamp() - a.backend_start)::float8 AS backend_age_s,
    extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s,
    extract(epoch FROM clock_timestamp() - a.query_start)::float8 AS query_age_s,
    extract(epoch FROM clock_timestamp() - a.state_change)::float8 AS state_age_s,
    left(a.query, $1) AS query,
    a.query_id,
    a.leader_pid,
    a.pid = pg_backend_pid() AS is_self,
    age(a.backend_xmin)::bigint AS xmin_age,
    -- a session waiting on a lock: who blocks it and the lock it waits for (the blocking
    -- tree is built from these rows: no query of its own, and the same snapshot)
    a.blocked_by,
    -- what it waits for: read apart (waiter_locks), only while the Locks pane or the findings show it
    NULL::text AS lock_type,
    NULL::text AS lock_mode,
    NULL::text AS lock_relation,
    CASE WHEN a.blocked_by IS NOT NULL
         THEN extract(epoch FROM clock_timestamp() - a.query_start)::float8 END AS lock_wait_s,
    -- one subplan, one object ({"active": 4, "idle": 200}): two arrays were two subplans
    -- and two sorts (2% of the statement at 200 sessions)
    CASE WHEN a.pid = pg_backend_pid()
         THEN (SELECT json_object_agg(s.state, s.sessions) FROM s)::text END AS client_state_counts,
    o.version,
    o.version_num,
    o.started_at,
    o.sampled_at,
    o.is_standby,
    o.current_database,
    o.max_connections,
    o.reserved_connections,
    o.xact_commit,
    o.xact_rollback,
    o.tup_returned,
    o.tup_fetched,
    o.tup_inserted,
    o.tup_updated,
    o.tup_deleted,
    o.blks_read,
    o.blks_hit,
    o.temp_bytes,
    o.temp_files,
    o.deadlocks,
    o.checkpoints_timed,
    o.checkpoints_requested,
    o.checkpoint_buffers_written,
    o.stats_reset_epoch
FROM a
LEFT JOIN o ON a.pid = pg_backend_pid()
LEFT JOIN pg_database d ON d.oid = a.datid
WHERE $2::bool
   OR a.state IS DISTINCT FROM 'idle'
   -- an idle session can still block others (an advisory lock): the collector asks again
   -- for those by pid ($3), when a waiter's blocker is not among the rows (a scan of a for
   -- the blockers on every refresh cost as much as the counts)
   OR a.pid = ANY ($3::int[])
ORDER BY a.pid
