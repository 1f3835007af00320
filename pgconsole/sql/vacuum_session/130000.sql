-- Per-session cost-based delay for a manual VACUUM (0 = unthrottled, the default for
-- manual runs; autovacuum uses 2ms): $1 in milliseconds.
SELECT set_config('vacuum_cost_delay', $1::text, false) AS vacuum_cost_delay
