-- pg_database_size() needs CONNECT on the database or pg_read_all_stats: ask only where allowed.
SELECT
    d.datname,
    CASE WHEN has_database_privilege(d.oid, 'CONNECT')
              OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
         THEN pg_database_size(d.oid) END AS size_bytes,
    coalesce(s.numbackends, 0) AS numbackends
FROM pg_database d
LEFT JOIN pg_stat_database s ON s.datid = d.oid
WHERE d.datallowconn AND NOT d.datistemplate
ORDER BY d.datname
