-- Normalized text of the statements on screen only ($1: queryids): reading texts
-- means reading the extension's whole query file, so it is not done every poll.
SELECT s.queryid, s.query
FROM {pgss}.pg_stat_statements(true) s
WHERE s.queryid = ANY($1::bigint[])
