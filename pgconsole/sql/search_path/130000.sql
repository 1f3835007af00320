-- This session's effective search_path (pg_catalog and the temporary schema included) and
-- its setting, read before pgconsole sets a safe one for its own catalog query
-- (pgconsole.explain_guard) and puts this one back for the statement it explains.
SELECT pg_catalog.current_schemas(true)::text[] AS schemas,
       pg_catalog.current_setting('search_path') AS setting
