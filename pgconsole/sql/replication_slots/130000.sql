-- Every replication slot and the WAL it makes this server keep (current position - restart_lsn),
-- whether max_slot_wal_keep_size is about to drop it (wal_status, safe_wal_size), and the
-- transaction horizons it holds. Before 17 there is no inactive_since nor invalidation_reason.
WITH cur AS (
    SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END AS lsn
)
SELECT
    s.slot_name::text AS slot_name,
    s.slot_type,
    s.plugin::text AS plugin,
    s.database::text AS database,
    s.temporary,
    s.active,
    s.active_pid,
    age(s.xmin) AS xmin_age,
    age(s.catalog_xmin) AS catalog_xmin_age,
    s.restart_lsn::text AS restart_lsn,
    pg_wal_lsn_diff(cur.lsn, s.restart_lsn)::bigint AS retained_bytes,
    pg_wal_lsn_diff(cur.lsn, s.confirmed_flush_lsn)::bigint AS confirmed_lag_bytes,
    s.wal_status,
    s.safe_wal_size,
    NULL::float8 AS inactive_s,
    CASE WHEN s.wal_status = 'lost' THEN 'wal_removed' END AS invalidation_reason
FROM pg_replication_slots s
CROSS JOIN cur
ORDER BY retained_bytes DESC NULLS LAST, s.slot_name
