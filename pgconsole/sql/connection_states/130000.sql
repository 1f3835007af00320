-- Client sessions by state: the counts when the connections query leaves idle rows out.
SELECT
    coalesce(a.state, a.backend_type, 'unknown') AS state,
    count(*)::int AS sessions
FROM pg_stat_activity a
WHERE a.backend_type IS NULL OR a.backend_type = 'client backend'
GROUP BY 1
ORDER BY 1
