-- pgbench_* tables that pgbench would see: it names them unqualified, so only those
-- visible through search_path count (the same rule as its DROP TABLE IF EXISTS).
SELECT c.relname::text AS name,
       n.nspname::text AS schema,
       c.oid::bigint AS relid,
       coalesce(s.n_live_tup, 0)::bigint AS live_rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relname IN ('pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers')
  AND c.relkind IN ('r', 'p')
  AND pg_table_is_visible(c.oid)
ORDER BY c.relname
