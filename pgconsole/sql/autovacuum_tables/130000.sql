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
), t AS MATERIALIZED (   -- its reloptions parsed once a table, not once a use
    -- the statistics functions on pg_class, not pg_stat_all_tables: that view sums every index's
    -- scans per table (a GROUP BY over pg_index), several times the cost of this whole query
    SELECT c.oid AS relid, n.nspname::text AS schemaname, c.relname::text AS relname, c.reloptions,
           CASE WHEN c.reloptions IS NOT NULL
                THEN (SELECT jsonb_object_agg(o.option_name, o.option_value)
                        FROM pg_options_to_table(c.reloptions) o) END AS o,
           greatest(c.reltuples, 0)::float8 AS reltuples,
           pg_stat_get_live_tuples(c.oid) AS n_live_tup, pg_stat_get_dead_tuples(c.oid) AS n_dead_tup,
           pg_stat_get_ins_since_vacuum(c.oid) AS n_ins_since_vacuum,
           pg_stat_get_mod_since_analyze(c.oid) AS n_mod_since_analyze, age(c.relfrozenxid) AS xid_age,
           pg_stat_get_last_vacuum_time(c.oid) AS last_vacuum,
           pg_stat_get_last_autovacuum_time(c.oid) AS last_autovacuum
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND n.nspname <> 'pg_toast'
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
