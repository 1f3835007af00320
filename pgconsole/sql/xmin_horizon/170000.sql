-- Who holds the xmin horizon back, oldest first: sessions with a snapshot or a transaction ID,
-- prepared transactions, replication slots (xmin, or a logical slot's catalog_xmin: catalogs
-- only) and standbys reporting their oldest query through hot_standby_feedback without a slot,
-- all from one read of pg_stat_activity (pg_stat_replication would read every backend again).
-- This session, walsenders (listed as standbys) and VACUUMs are left out. 17: an inactive slot says
-- since when.
WITH a AS (   -- one read of every backend's state (walsenders included)
    SELECT * FROM pg_stat_activity a
    WHERE (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL) AND a.pid <> pg_backend_pid()
), holders AS (
    SELECT 'session' AS kind, a.pid::text AS holder, a.pid,
           greatest(age(a.backend_xmin), age(a.backend_xid)) AS xmin_age,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS held_s,
           a.state, a.datname::text AS database, a.usename::text AS user_name, a.application_name,
           left(a.query, 2048) AS detail, false AS catalog_only, NULL::bool AS active
    FROM a
    WHERE a.backend_type IS DISTINCT FROM 'walsender'
      -- a lazy VACUUM's snapshot is ignored by everyone else's horizon: it holds nothing back
      -- (NOT IN: one hashed read of the progress view, not one per session)
      AND a.pid NOT IN (SELECT v.pid FROM pg_stat_progress_vacuum v WHERE v.pid IS NOT NULL)
    UNION ALL
    SELECT 'prepared', p.gid, NULL::int, age(p.transaction),
           extract(epoch FROM clock_timestamp() - p.prepared)::float8,
           'prepared', p.database::text, p.owner::text, NULL, NULL, false, NULL
    FROM pg_prepared_xacts p
    UNION ALL
    SELECT 'slot', s.slot_name::text, s.active_pid, coalesce(age(s.xmin), age(s.catalog_xmin)),
           extract(epoch FROM clock_timestamp() - s.inactive_since)::float8,
           CASE WHEN s.active THEN 'active' ELSE 'inactive' END, s.database::text, NULL, NULL,
           s.slot_type || coalesce(' ' || s.plugin, ''), s.xmin IS NULL, s.active
    FROM pg_replication_slots s
    WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
    UNION ALL
    -- a standby's hot_standby_feedback without a slot: its walsender's xmin (logical decoding's
    -- own xmin is ignored by the horizon, like VACUUM's)
    SELECT 'standby', coalesce(nullif(a.application_name, ''), a.pid::text), a.pid, age(a.backend_xmin),
           NULL::float8, 'streaming', NULL, a.usename::text, a.application_name, host(a.client_addr), false, true
    FROM a
    WHERE a.backend_type = 'walsender' AND a.backend_xmin IS NOT NULL
      AND a.pid NOT IN (SELECT s.active_pid FROM pg_replication_slots s
                        WHERE s.slot_type = 'logical' AND s.active_pid IS NOT NULL)
)
SELECT kind, holder, pid, xmin_age, held_s, state, database, user_name, application_name, detail,
       catalog_only, active
FROM holders
ORDER BY xmin_age DESC NULLS LAST, kind, holder
LIMIT 50
