SELECT at FROM pgconsole_history.records WHERE server_id = $1 AND at > $2 ORDER BY at, id LIMIT 1 OFFSET $3
