-- Types ($1 oids) as this session writes them: format_type qualifies a type its search_path
-- (pgconsole's own: pg_catalog) does not reach, e.g. public.citext.
SELECT t.oid, n.nspname::text AS schema, format_type(t.oid, NULL) AS shown
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.oid = ANY ($1::oid[])
