-- The relations in this database holding datfrozenxid back (TOAST counted with its
-- table): the ones a VACUUM (FREEZE) would move forward.
SELECT
    c.oid::bigint AS relid,
    n.nspname::text AS schemaname,
    c.relname::text AS relname,
    greatest(age(c.relfrozenxid), coalesce(age(tc.relfrozenxid), 0))::bigint AS xid_age,
    greatest(mxid_age(c.relminmxid), coalesce(mxid_age(tc.relminmxid), 0))::bigint AS mxid_age,
    pg_total_relation_size(c.oid) AS total_bytes,
    greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class tc ON tc.oid = c.reltoastrelid
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'm') AND c.relfrozenxid <> '0'::xid
ORDER BY greatest(age(c.relfrozenxid), coalesce(age(tc.relfrozenxid), 0)) DESC
LIMIT 10
