-- the records, range-partitioned by day (see ensure_partition); a keyframe has key_at = at,
-- any other record needs the records from its key_at on
CREATE TABLE IF NOT EXISTS pgconsole_history.records (
    server_id integer NOT NULL,
    id bigint NOT NULL,
    at timestamptz NOT NULL,
    key_at timestamptz NOT NULL,
    data bytea NOT NULL,
    summary jsonb,
    PRIMARY KEY (server_id, at, id)
) PARTITION BY RANGE (at);
INSERT INTO pgconsole_history.meta VALUES ('layout', 'partitioned') ON CONFLICT (key) DO NOTHING;
