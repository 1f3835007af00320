-- TimescaleDB: bytes of the hypertable and its chunks (not run by the test suite)
SELECT hypertable_size('pgconsole_history.records')::bigint AS bytes
