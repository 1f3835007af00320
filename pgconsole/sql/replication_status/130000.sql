-- Where this server stands in replication (one row, primary or standby): WAL positions, the
-- WAL receiver of a standby, and how many standbys, slots and subscriptions there are (their
-- own queries run only when there are some). Recovery functions only while in recovery.
SELECT
    pg_is_in_recovery() AS is_standby,
    (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text
        AS current_lsn,
    pg_last_wal_receive_lsn()::text AS receive_lsn,
    pg_last_wal_replay_lsn()::text AS replay_lsn,
    CASE WHEN pg_is_in_recovery()
         THEN greatest(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::bigint
    END AS replay_pending_bytes,
    CASE WHEN pg_is_in_recovery()
         THEN extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
    END AS replay_age_s,
    CASE WHEN NOT pg_is_in_recovery() THEN NULL
         WHEN pg_is_wal_replay_paused() THEN 'paused' ELSE 'not paused' END AS replay_pause_state,
    r.pid AS receiver_pid,
    r.status AS receiver_status,
    r.sender_host,
    r.sender_port,
    r.slot_name AS receiver_slot,
    extract(epoch FROM clock_timestamp() - r.last_msg_receipt_time)::float8 AS receiver_last_msg_age_s,
    current_setting('hot_standby_feedback')::bool AS hot_standby_feedback,
    -- whether it streams at all (a standby fed by restore_command alone has no WAL receiver);
    -- NULL for a role that may not read it (pg_read_all_settings)
    CASE WHEN pg_is_in_recovery()
         THEN (SELECT s.setting <> '' FROM pg_settings s WHERE s.name = 'primary_conninfo')
    END AS primary_conninfo_set,
    (SELECT count(*) FROM pg_stat_get_wal_senders())::int AS standbys,   -- not the view: it reads every backend
    (SELECT count(*) FROM pg_replication_slots)::int AS slots,
    (SELECT count(*) FROM pg_subscription)::int AS subscriptions
FROM (SELECT 1) AS one
LEFT JOIN pg_stat_wal_receiver r ON true
