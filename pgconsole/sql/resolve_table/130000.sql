-- A user-typed table name ($1: already quoted by pgconsole.quoting) to its oid and parts.
SELECT c.oid::bigint AS relid, n.nspname::text AS schemaname, c.relname::text AS relname, c.relkind::text AS relkind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)
