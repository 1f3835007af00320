INSERT INTO pgconsole_history.types (server_id, id, name, fields) VALUES ($1, $2, $3, $4)
ON CONFLICT (server_id, id) DO UPDATE SET name = EXCLUDED.name, fields = EXCLUDED.fields
