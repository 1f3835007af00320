-- where a scan from $2 starts: the keyframe of the record at or before it, else the first keyframe
SELECT coalesce(
    (SELECT key_at FROM pgconsole_history.records WHERE server_id = $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1),
    (SELECT min(at) FROM pgconsole_history.records WHERE server_id = $1 AND at = key_at)) AS start_at
