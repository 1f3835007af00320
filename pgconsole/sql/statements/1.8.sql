-- pg_stat_statements 1.8 (PG 13): execution and planning time split.
-- {pgss} is the extension's schema, quoted by pgconsole.quoting (it is often not public).
SELECT
    s.queryid,
    s.userid::bigint AS userid,
    s.dbid::bigint AS dbid,
    true AS toplevel,
    r.rolname::text AS usename,
    d.datname::text AS datname,
    s.calls,
    s.total_exec_time AS total_exec_ms,
    s.mean_exec_time AS mean_exec_ms,
    s.max_exec_time AS max_exec_ms,
    s.stddev_exec_time AS stddev_exec_ms,
    s.total_plan_time AS total_plan_ms,
    s.rows,
    s.shared_blks_hit,
    s.shared_blks_read,
    s.shared_blks_dirtied,
    s.shared_blks_written,
    s.temp_blks_read,
    s.temp_blks_written,
    s.blk_read_time AS io_read_ms,
    s.blk_write_time AS io_write_ms
FROM {pgss}.pg_stat_statements(false) s
LEFT JOIN pg_roles r ON r.oid = s.userid
LEFT JOIN pg_database d ON d.oid = s.dbid
