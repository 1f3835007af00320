-- Whether the demo load's row counts have reached the statistics: every demo table that
-- holds data shows rows modified since its last ANALYZE. An ANALYZE before they arrive is
-- undone by them (a backend flushes its counts up to a second after its commit), and the
-- Findings pane would call every demo table unanalyzed.
SELECT coalesce(bool_and(s.n_mod_since_analyze > 0), true) AS flushed
FROM pg_stat_user_tables s
WHERE s.schemaname = current_schema() AND pg_relation_size(s.relid) > 0
