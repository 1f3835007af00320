-- one recorder per server name: held for the recorder's session
SELECT pg_try_advisory_lock(hashtext('pgconsole_history'), hashtext($1::text)) AS locked
