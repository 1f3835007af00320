-- pgconsole's own sessions resolve functions, operators and types in pg_catalog only
-- (pgconsole.db): nothing another role planted on the role's search_path can match better.
-- A utility statement: it calls nothing a planted overload could stand in for.
SET search_path = pg_catalog, pg_temp
