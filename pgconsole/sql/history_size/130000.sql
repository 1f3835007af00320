-- bytes the records take on disk, every partition together
SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)::bigint AS bytes
FROM pg_inherits i WHERE i.inhparent = 'pgconsole_history.records'::regclass
