-- Who holds a lock on table $1 (other than us), to name the blocker when VACUUM's
-- lock_timeout fires.
SELECT l.pid,
       l.mode::text AS mode,
       coalesce(a.application_name, '')::text AS application_name,
       coalesce(a.usename::text, '') AS username,
       coalesce(a.state, '')::text AS state,
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS xact_age_s
FROM pg_locks l
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation'
  AND l.relation = $1::oid
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.granted
  AND l.pid <> pg_backend_pid()
ORDER BY l.mode = 'AccessExclusiveLock' DESC, a.xact_start
