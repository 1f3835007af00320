INSERT INTO pgconsole_history.records (server_id, id, at, key_at, data, summary)
VALUES ($1, $2, $3, $4, $5, $6::jsonb)
