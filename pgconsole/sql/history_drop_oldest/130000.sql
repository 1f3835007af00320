SELECT pgconsole_history.drop_oldest_partition($1::timestamptz) AS dropped
