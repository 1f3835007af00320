-- search_path for the rest of this transaction only (pgconsole.explain_guard, pgconsole.db).
SELECT pg_catalog.set_config('search_path', $1, true)
