-- The locks one backend holds or waits for ($1: pid); 14+ knows when a wait started.
SELECT
    l.locktype,
    l.mode,
    l.granted,
    CASE WHEN l.relation IS NOT NULL THEN l.relation::regclass::text
         WHEN l.transactionid IS NOT NULL THEN 'xid ' || l.transactionid::text
         WHEN l.virtualxid IS NOT NULL THEN 'vxid ' || l.virtualxid
         WHEN l.locktype = 'advisory' THEN 'advisory ' || l.classid::text || ':' || l.objid::text
    END AS relation,
    extract(epoch FROM clock_timestamp() - l.waitstart)::float8 AS wait_s
FROM pg_locks l
WHERE l.pid = $1
ORDER BY l.granted, l.locktype, relation
LIMIT 200
