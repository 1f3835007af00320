-- the recorded servers; first/last come from their newest and oldest record
SELECT s.id, s.name, s.target,
       (SELECT min(r.at) FROM pgconsole_history.records r WHERE r.server_id = s.id) AS first_at,
       (SELECT max(r.at) FROM pgconsole_history.records r WHERE r.server_id = s.id) AS last_at
FROM pgconsole_history.servers s ORDER BY s.name
