-- a batch of records in order, from ($2, $3) (at, id) exclusive up to $4
SELECT id, at, at = key_at AS key, data FROM pgconsole_history.records
WHERE server_id = $1 AND (at, id) > ($2, $3) AND at <= $4 ORDER BY at, id LIMIT $5
