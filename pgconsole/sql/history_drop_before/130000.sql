SELECT pgconsole_history.drop_partitions_before($1::timestamptz) AS dropped
