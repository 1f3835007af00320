-- The standbys (and logical subscribers) this server sends WAL to: how far each has written,
-- flushed and replayed, in bytes from this server's position and, when WAL moved, in time.
-- A subscriber's walsender holds a logical slot; a physical standby may hold a slot too.
WITH cur AS (
    SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn
)
SELECT
    r.pid,
    r.usename::text AS usename,
    r.application_name,
    host(r.client_addr) AS client_addr,
    r.client_port,
    r.state,
    r.sync_state,
    s.slot_name::text AS slot_name,
    s.slot_type,
    r.sent_lsn::text AS sent_lsn,
    r.replay_lsn::text AS replay_lsn,
    pg_wal_lsn_diff(cur.lsn, r.sent_lsn)::bigint AS sent_lag_bytes,
    pg_wal_lsn_diff(cur.lsn, r.write_lsn)::bigint AS write_lag_bytes,
    pg_wal_lsn_diff(cur.lsn, r.flush_lsn)::bigint AS flush_lag_bytes,
    pg_wal_lsn_diff(cur.lsn, r.replay_lsn)::bigint AS replay_lag_bytes,
    extract(epoch FROM r.write_lag)::float8 AS write_lag_s,
    extract(epoch FROM r.flush_lag)::float8 AS flush_lag_s,
    extract(epoch FROM r.replay_lag)::float8 AS replay_lag_s,
    age(r.backend_xmin) AS xmin_age,
    extract(epoch FROM clock_timestamp() - r.reply_time)::float8 AS reply_age_s,
    extract(epoch FROM clock_timestamp() - r.backend_start)::float8 AS connected_s
FROM pg_stat_replication r
CROSS JOIN cur
LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
ORDER BY r.application_name, r.pid
