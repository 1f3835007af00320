-- Exact tuple-level figures for one relation ($1: oid). Reads the whole table:
-- only on request, under the session's statement_timeout. {pgstattuple}: its schema.
SELECT
    table_len,
    tuple_count,
    tuple_len,
    tuple_percent,
    dead_tuple_count,
    dead_tuple_len,
    dead_tuple_percent,
    free_space,
    free_percent
FROM {pgstattuple}.pgstattuple($1::oid::regclass)
