-- Whether the demo load's row counts have reached the statistics: every demo table that
-- holds data shows rows modified since its last ANALYZE. An ANALYZE before they arrive is
-- undone by them (a backend flushes its counts up to a second after its commit), and the
-- Findings pane would call every demo table unanalyzed. From 15 the session asks for its
-- pending counts to be flushed as this statement ends, so the next call sees them.
SELECT
    (SELECT coalesce(bool_and(s.n_mod_since_analyze > 0), true)
     FROM pg_stat_user_tables s
     WHERE s.schemaname = current_schema() AND pg_relation_size(s.relid) > 0) AS flushed,
    pg_stat_force_next_flush() AS forced
