SELECT pgconsole_history.ensure_partition($1::date)
