-- Tables a whole-database VACUUM by this role would process: plain tables (partitions
-- included, partitioned parents left out since VACUUM of a parent repeats its leaves)
-- and materialized views, in user schemas, that the role owns or may maintain.
-- 17 added the MAINTAIN privilege (and pg_maintain), which also allows VACUUM/ANALYZE.
SELECT c.oid::bigint AS relid,
       n.nspname::text AS schemaname,
       c.relname::text AS relname,
       c.relkind::text AS relkind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_database d ON d.datname = current_database()
WHERE c.relkind IN ('r', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
  AND n.nspname !~ '^pg_temp_'
  AND (pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE')
       OR has_table_privilege(c.oid, 'MAINTAIN'))
ORDER BY n.nspname, c.relname
