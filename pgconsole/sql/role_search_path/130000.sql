-- The search_path this role's sessions get: the session's reset value, since pgconsole
-- SETs its own after connecting (pgconsole.db).
SELECT s.reset_val AS search_path
FROM pg_catalog.pg_settings s
WHERE s.name = 'search_path'
