-- How old each database's oldest unfrozen transaction ID and multixact are. The server
-- stops assigning XIDs about 2^31 after them; autovacuum forces a freeze at
-- autovacuum_freeze_max_age.
SELECT
    d.datname::text AS datname,
    age(d.datfrozenxid)::bigint AS xid_age,
    mxid_age(d.datminmxid)::bigint AS mxid_age,
    d.datname = current_database() AS is_current,
    d.datallowconn AS allows_connections
FROM pg_database d
ORDER BY age(d.datfrozenxid) DESC
