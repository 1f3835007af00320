-- Client sessions by state: the counts when the connections query leaves idle rows out.
-- (Another role's session shows no state to a role without pg_read_all_stats: 'hidden'.)
SELECT
    coalesce(a.state, 'hidden') AS state,
    count(*)::int AS sessions
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend'
   OR (a.backend_type IS NULL AND a.datid IS NOT NULL AND a.usesysid IS NOT NULL)
GROUP BY 1
ORDER BY 1
