-- This session's effective search_path (pg_catalog and the temporary schema included) and
-- its setting: read before pgconsole sets a safe one for its own catalog query
-- (pgconsole.explain_guard) and puts this one back for the statement it explains, and
-- to learn which schemas the role's own path reaches (pgconsole.db.role_schemas).
-- Everything here is fully qualified: it may run under a path another role can write to.
SELECT pg_catalog.current_schemas(true)::text[] AS schemas,
       pg_catalog.current_setting('search_path') AS setting
