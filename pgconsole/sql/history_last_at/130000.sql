-- the record at or before a moment, and the keyframe it needs
SELECT at, key_at FROM pgconsole_history.records
WHERE server_id = $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1
