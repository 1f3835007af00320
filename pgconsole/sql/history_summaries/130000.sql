SELECT at, summary FROM pgconsole_history.records
WHERE server_id = $1 AND at >= $2 AND at <= $3 ORDER BY at, id
