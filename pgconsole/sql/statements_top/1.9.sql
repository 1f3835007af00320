-- The statements of this database that took the most execution time ($1: how many), with
-- their normalized text, for `seed --like` to compare their plans on source and target:
-- data statements (by their first keyword; the caller parses them), not pgconsole's own.
-- Top-level statements only (1.9+): a function's inner statements are its code's.
-- {pgss} is the extension's schema, quoted by pgconsole.quoting.
SELECT s.queryid, s.query
FROM {pgss}.pg_stat_statements(true) s
WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
  AND s.toplevel
  -- data statements, by their first keyword past comments and parentheses
  AND s.query ~* ('^(\s|\(|/\*[^*]*\*+([^/*][^*]*\*+)*/|--[^\n]*\n)*'
                  OPERATOR(pg_catalog.||) '(select|insert|update|delete|merge|with|values|table)\M')
  AND pg_catalog.strpos(s.query, '/* pgconsole */') = 0                            -- not pgconsole's own
ORDER BY s.total_exec_time DESC
LIMIT $1
