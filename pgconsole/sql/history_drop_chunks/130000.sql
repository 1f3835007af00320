-- TimescaleDB retention (not run by the test suite: no TimescaleDB there)
SELECT drop_chunks('pgconsole_history.records', older_than => $1::timestamptz)::text AS dropped
