-- WAL segments waiting to be archived (.ready files in pg_wal/archive_status). Asked only of a
-- superuser or a pg_monitor member: the function is theirs, and checking its privilege inside
-- the query is not enough (the server checks it while planning, even in a branch not taken).
SELECT count(*)::int AS archive_ready
FROM pg_ls_archive_statusdir() f
WHERE f.name LIKE '%.ready'
