-- Logical replication subscriptions defined on this server (every database: pg_subscription is
-- shared) with their apply worker, if it runs. subconninfo is never read (it may hold a password).
SELECT
    s.subname::text AS subname,
    d.datname::text AS database,
    s.subenabled AS enabled,
    w.pid,
    w.received_lsn::text AS received_lsn,
    extract(epoch FROM clock_timestamp() - w.last_msg_receipt_time)::float8 AS last_msg_age_s,
    extract(epoch FROM clock_timestamp() - w.latest_end_time)::float8 AS latest_end_age_s
FROM pg_subscription s
LEFT JOIN pg_database d ON d.oid = s.subdbid
LEFT JOIN LATERAL (
    SELECT * FROM pg_stat_subscription w
    WHERE w.subid = s.oid AND w.relid IS NULL   -- the apply worker, not a table sync worker
    ORDER BY w.pid
    LIMIT 1
) w ON true
ORDER BY s.subname
