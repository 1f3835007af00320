-- Only sessions waiting on a lock: pg_blocking_pids() takes the lock manager's
-- shared state, so it is never called for the other backends. 14+: pg_locks.waitstart.
SELECT
    w.pid,
    pg_blocking_pids(w.pid) AS blocked_by,
    l.locktype,
    l.mode,
    coalesce(l.relation, t.relation)::regclass::text AS relation,
    extract(epoch FROM clock_timestamp() - coalesce(l.waitstart, w.query_start))::float8 AS wait_s
FROM pg_stat_activity w
LEFT JOIN LATERAL (
    SELECT locktype, mode, relation, waitstart FROM pg_locks
    WHERE pid = w.pid AND NOT granted LIMIT 1
) l ON true
LEFT JOIN LATERAL (
    -- a row-lock waiter holds a tuple lock on the table it waits for
    SELECT relation FROM pg_locks
    WHERE pid = w.pid AND granted AND locktype = 'tuple' LIMIT 1
) t ON true
WHERE w.wait_event_type = 'Lock'
