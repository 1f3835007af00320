-- with TimescaleDB: the records as a hypertable of one-day chunks (retention: drop_chunks).
-- Written for TimescaleDB 2.x and not run by the test suite (the extension is not installed there).
CREATE TABLE IF NOT EXISTS pgconsole_history.records (
    server_id integer NOT NULL,
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    key_at timestamptz NOT NULL,
    data bytea NOT NULL,
    summary jsonb,
    PRIMARY KEY (server_id, at, id)
);
SELECT create_hypertable('pgconsole_history.records', 'at', chunk_time_interval => interval '1 day',
                         if_not_exists => true);
INSERT INTO pgconsole_history.meta VALUES ('layout', 'timescaledb') ON CONFLICT (key) DO NOTHING;
