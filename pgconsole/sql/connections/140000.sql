-- Every backend ($2 true), or every one but the idle sessions that block nobody (the
-- console with idle sessions hidden: they are most rows and counted apart). 14+: query_id links to pg_stat_statements.
-- $1: longest query text to return.
SELECT
    a.pid,
    a.usename::text AS usename,
    a.datname::text AS datname,
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
    -- tree is built from these rows, so no query of its own and the same snapshot);
    -- pg_blocking_pids() and pg_locks are read for waiters only (one-time filters)
    CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
    l.locktype AS lock_type,
    l.mode AS lock_mode,
    coalesce(l.relation, t.relation)::regclass::text AS lock_relation,
    CASE WHEN a.wait_event_type = 'Lock'
         THEN extract(epoch FROM clock_timestamp() - coalesce(l.waitstart, a.query_start))::float8 END AS lock_wait_s
FROM pg_stat_activity a
LEFT JOIN LATERAL (
    SELECT locktype, mode, relation, waitstart FROM pg_locks
    WHERE a.wait_event_type = 'Lock' AND pid = a.pid AND NOT granted LIMIT 1
) l ON true
LEFT JOIN LATERAL (
    -- a row-lock waiter holds a tuple lock on the table it waits for
    SELECT relation FROM pg_locks
    WHERE a.wait_event_type = 'Lock' AND pid = a.pid AND granted AND locktype = 'tuple' LIMIT 1
) t ON true
WHERE $2::bool
   OR a.state IS DISTINCT FROM 'idle'
   -- an idle session can still block others (an advisory lock): keep those
   OR a.pid IN (SELECT unnest(pg_blocking_pids(w.pid)) FROM pg_stat_activity w WHERE w.wait_event_type = 'Lock')
ORDER BY a.pid
