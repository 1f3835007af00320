-- When pg_stat_statements was last reset and how many entries it has evicted (1.9+).
SELECT extract(epoch FROM stats_reset)::float8 AS stats_reset_epoch, dealloc
FROM {pgss}.pg_stat_statements_info
