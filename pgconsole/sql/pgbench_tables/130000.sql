-- pgbench_* tables that pgbench would see: it names them unqualified, so only the first
-- relation of each name along the role's own search_path counts (the same rule as its DROP
-- TABLE IF EXISTS): $1 the schemas that path reaches, in lookup order (pgconsole.db.role_schemas;
-- this session's own path is pg_catalog's).
WITH named AS (
    SELECT DISTINCT ON (c.relname) c.oid, c.relname, c.relkind, n.nspname
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname IN ('pgbench_accounts', 'pgbench_branches', 'pgbench_history', 'pgbench_tellers')
      AND n.nspname::text = ANY ($1::text[])
    ORDER BY c.relname, array_position($1::text[], n.nspname::text)
)
SELECT t.relname::text AS name,
       t.nspname::text AS schema,
       t.oid::bigint AS relid,
       coalesce(s.n_live_tup, 0)::bigint AS live_rows
FROM named t
LEFT JOIN pg_stat_all_tables s ON s.relid = t.oid
WHERE t.relkind IN ('r', 'p')
ORDER BY t.relname
