-- TimescaleDB size retention: the oldest chunk that ends before $1 (not run by the test suite)
SELECT drop_chunks('pgconsole_history.records', older_than => (
    SELECT min(range_end) FROM timescaledb_information.chunks
    WHERE hypertable_schema = 'pgconsole_history' AND hypertable_name = 'records' AND range_end <= $1::timestamptz
))::text AS dropped
