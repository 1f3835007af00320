-- Who holds a lock on table $1 or, for a partitioned table, on one of its partitions
-- (other than us), to name the blocker when a lock_timeout of a VACUUM run fires.
-- The partitions come from pg_inherits: pg_partition_tree() would wait for their locks.
WITH RECURSIVE tree(relid) AS (
    SELECT $1::oid
    UNION ALL
    SELECT i.inhrelid FROM pg_inherits i JOIN tree t ON i.inhparent = t.relid
)
SELECT l.pid,
       l.mode::text AS mode,
       coalesce(a.application_name, '')::text AS application_name,
       coalesce(a.usename::text, '') AS username,
       coalesce(a.state, '')::text AS state,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s
FROM pg_locks l
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation'
  AND l.relation IN (SELECT relid FROM tree)
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.granted
  AND l.pid <> pg_backend_pid()
ORDER BY l.mode = 'AccessExclusiveLock' DESC, a.xact_start
