-- a recorder's server: created on first use, its target refreshed
INSERT INTO pgconsole_history.servers AS s (name, target) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET target = EXCLUDED.target, updated_at = now()
RETURNING s.id
