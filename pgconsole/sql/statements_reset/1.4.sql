-- Discard every pg_stat_statements entry (superuser, or EXECUTE granted on it).
SELECT {pgss}.pg_stat_statements_reset()
