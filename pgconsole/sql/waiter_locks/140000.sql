-- What each session waiting on a lock ($1: their pids, from the connections query) waits
-- for: the lock not granted, and the table of a row-lock waiter (it holds a tuple lock on
-- it). pg_locks takes the lock manager's shared state: read only while the Locks pane or
-- the findings show it, and only when someone waits. 14+: waitstart dates the wait.
WITH l AS MATERIALIZED (
    SELECT pid, locktype, mode, relation, waitstart, granted FROM pg_locks
    WHERE pid = ANY ($1::int[]) AND (NOT granted OR locktype = 'tuple')
)
SELECT
    w.pid,
    wl.locktype AS lock_type,
    wl.mode AS lock_mode,
    coalesce(wl.relation, wt.relation)::regclass::text AS lock_relation,
    extract(epoch FROM clock_timestamp() - wl.waitstart)::float8 AS lock_wait_s
FROM unnest($1::int[]) AS w(pid)
LEFT JOIN LATERAL (
    SELECT locktype, mode, relation, waitstart FROM l
    WHERE l.pid = w.pid AND NOT l.granted LIMIT 1
) wl ON true
LEFT JOIN LATERAL (
    SELECT relation FROM l
    WHERE l.pid = w.pid AND l.granted AND l.locktype = 'tuple' LIMIT 1
) wt ON true
ORDER BY w.pid
