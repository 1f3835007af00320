-- When this database's directory was made (CREATE DATABASE, or a restore): statistics
-- cannot be older. pg_stat_file needs superuser (or an explicit GRANT), so this is
-- asked only when allowed; NULL when the database lives outside pg_default.
SELECT (pg_stat_file('base/' || d.oid || '/PG_VERSION', true)).modification AS created_at
FROM pg_database d
JOIN pg_tablespace ts ON ts.oid = d.dattablespace AND ts.spcname = 'pg_default'
WHERE d.datname = current_database()
