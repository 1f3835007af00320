-- Who holds the xmin horizon back, oldest first: sessions with a snapshot or a transaction ID,
-- prepared transactions, replication slots (xmin, or a logical slot's catalog_xmin: catalogs
-- only) and standbys reporting their oldest query through hot_standby_feedback without a slot.
-- This session, walsenders (listed as standbys) and VACUUMs are left out. 17: an inactive slot says
-- since when.
WITH holders AS (
    SELECT 'session' AS kind, a.pid::text AS holder, a.pid,
           greatest(age(a.backend_xmin), age(a.backend_xid)) AS xmin_age,
           extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS held_s,
           a.state, a.datname::text AS database, a.usename::text AS user_name, a.application_name,
           left(a.query, 2048) AS detail, false AS catalog_only, NULL::bool AS active
    FROM pg_stat_activity a
    WHERE (a.backend_xmin IS NOT NULL OR a.backend_xid IS NOT NULL)
      AND a.pid <> pg_backend_pid() AND a.backend_type IS DISTINCT FROM 'walsender'
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
    SELECT 'standby', coalesce(r.application_name, r.pid::text), r.pid, age(r.backend_xmin), NULL::float8,
           r.state, NULL, r.usename::text, r.application_name, host(r.client_addr), false, true
    FROM pg_stat_replication r
    WHERE r.backend_xmin IS NOT NULL
)
SELECT kind, holder, pid, xmin_age, held_s, state, database, user_name, application_name, detail,
       catalog_only, active
FROM holders
ORDER BY xmin_age DESC NULLS LAST, kind, holder
LIMIT 50
