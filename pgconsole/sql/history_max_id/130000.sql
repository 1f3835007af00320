-- where a recorder continues: its server's last record id and time
SELECT max(id) AS id, max(at) AS at FROM pgconsole_history.records WHERE server_id = $1
