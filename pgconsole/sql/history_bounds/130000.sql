SELECT min(at) AS first_at, max(at) AS last_at, count(*)::bigint AS records
FROM pgconsole_history.records WHERE server_id = $1
