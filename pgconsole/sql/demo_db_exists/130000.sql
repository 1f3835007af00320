-- Whether a database exists ($1: its name).
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS present
