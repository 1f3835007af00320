-- A user-typed table name to its oid and parts: $1 its schema, or NULL for a bare name,
-- found as to_regclass would under the role's own search_path, whose schemas are $3 in
-- lookup order (pgconsole.db.role_schemas; this session's own path is pg_catalog's);
-- $2 its name.
SELECT c.oid::bigint AS relid, n.nspname::text AS schemaname, c.relname::text AS relname, c.relkind::text AS relkind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = $2::text
  AND CASE WHEN $1::text IS NULL THEN n.nspname::text = ANY ($3::text[]) ELSE n.nspname::text = $1::text END
ORDER BY array_position($3::text[], n.nspname::text)
LIMIT 1
