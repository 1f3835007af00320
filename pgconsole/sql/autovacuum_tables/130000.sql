-- This database's tables against autovacuum's triggers, each with its own reloptions first:
-- dead rows vs autovacuum_vacuum_threshold + scale_factor x reltuples, rows inserted since the
-- last vacuum vs the insert threshold (13+; -1 turns it off), changes vs the analyze threshold,
-- and the table's XID age vs autovacuum_freeze_max_age (a reloption may only lower it).
-- reltuples -1 (never vacuumed or analyzed) counts as 0, as autovacuum counts it. $1: rows.
WITH g AS (
    SELECT current_setting('autovacuum_vacuum_threshold')::float8 AS vac_base,
           current_setting('autovacuum_vacuum_scale_factor')::float8 AS vac_scale,
           current_setting('autovacuum_vacuum_insert_threshold')::float8 AS ins_base,
           current_setting('autovacuum_vacuum_insert_scale_factor')::float8 AS ins_scale,
           current_setting('autovacuum_analyze_threshold')::float8 AS anl_base,
           current_setting('autovacuum_analyze_scale_factor')::float8 AS anl_scale,
           current_setting('autovacuum_freeze_max_age')::bigint AS freeze_max
), t AS (
    SELECT s.relid, s.schemaname::text AS schemaname, s.relname::text AS relname, c.reloptions,
           CASE WHEN c.reloptions IS NOT NULL
                THEN (SELECT jsonb_object_agg(o.option_name, o.option_value)
                        FROM pg_options_to_table(c.reloptions) o) END AS o,
           greatest(c.reltuples, 0)::float8 AS reltuples,
           s.n_live_tup, s.n_dead_tup, s.n_ins_since_vacuum, s.n_mod_since_analyze,
           age(c.relfrozenxid) AS xid_age, s.last_vacuum, s.last_autovacuum
    FROM pg_stat_all_tables s
    JOIN pg_class c ON c.oid = s.relid
    WHERE c.relkind IN ('r', 'm') AND s.schemaname <> 'pg_toast'
), th AS (
    SELECT t.*,
           coalesce((t.o ->> 'autovacuum_enabled')::bool, true) AS enabled,
           coalesce((t.o ->> 'autovacuum_vacuum_threshold')::float8, g.vac_base)
             + coalesce((t.o ->> 'autovacuum_vacuum_scale_factor')::float8, g.vac_scale) * t.reltuples
             AS vacuum_threshold,
           CASE WHEN coalesce((t.o ->> 'autovacuum_vacuum_insert_threshold')::float8, g.ins_base) >= 0
                THEN coalesce((t.o ->> 'autovacuum_vacuum_insert_threshold')::float8, g.ins_base)
                     + coalesce((t.o ->> 'autovacuum_vacuum_insert_scale_factor')::float8, g.ins_scale)
                       * t.reltuples
           END AS insert_threshold,
           coalesce((t.o ->> 'autovacuum_analyze_threshold')::float8, g.anl_base)
             + coalesce((t.o ->> 'autovacuum_analyze_scale_factor')::float8, g.anl_scale) * t.reltuples
             AS analyze_threshold,
           least(coalesce((t.o ->> 'autovacuum_freeze_max_age')::bigint, g.freeze_max), g.freeze_max)
             AS freeze_max_age
    FROM t CROSS JOIN g
)
SELECT relid, schemaname, relname, enabled, reltuples, n_live_tup, n_dead_tup, vacuum_threshold,
       n_ins_since_vacuum, insert_threshold, n_mod_since_analyze, analyze_threshold, xid_age,
       freeze_max_age, last_vacuum, last_autovacuum,
       extract(epoch FROM clock_timestamp() - greatest(last_vacuum, last_autovacuum))::float8 AS since_vacuum_s,
       reloptions::text[] AS reloptions
FROM th
ORDER BY greatest(n_dead_tup / greatest(vacuum_threshold, 1),
                  coalesce(n_ins_since_vacuum / greatest(insert_threshold, 1), 0),
                  xid_age::float8 / greatest(freeze_max_age, 1)) DESC, relid
LIMIT $1
