-- Type names as a user wrote them ($1), resolved on the role's own search_path
-- (pgconsole.db.role_type_names runs this under that path: everything fully qualified).
SELECT t.name, pg_catalog.to_regtype(t.name)::pg_catalog.oid AS oid
FROM pg_catalog.unnest($1::pg_catalog.text[]) AS t(name)
