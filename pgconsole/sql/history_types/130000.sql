SELECT id, name, fields FROM pgconsole_history.types WHERE server_id = $1
