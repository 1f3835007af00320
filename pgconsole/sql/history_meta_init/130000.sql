-- $1: the application tag, $2: the recording format version this pgconsole writes
INSERT INTO pgconsole_history.meta VALUES ('app', $1), ('format_version', $2) ON CONFLICT (key) DO NOTHING
