-- What each relation of $1 (oids cache_counters named) is to the cache view: a user table
-- ('heap'), one of its indexes ('index'), or its TOAST table or TOAST index ('toast'); the
-- table it counts for, the names shown and the table's size. Asked for new oids, and for
-- all of them now and then (renames, sizes). Relations outside the user schemas are left
-- out, as pg_statio_user_tables and pg_statio_user_indexes leave them out.
SELECT
    c.oid::bigint AS oid,
    k.kind,
    t.oid::bigint AS table_oid,
    n.nspname::text AS schemaname,
    t.relname::text AS relname,
    CASE WHEN k.kind = 'index' THEN c.relname::text END AS indexrelname,
    t.relpages::bigint * current_setting('block_size')::bigint AS table_bytes
FROM unnest($1::bigint[]) AS r(oid)
JOIN pg_class c ON c.oid = r.oid::oid
LEFT JOIN pg_index x ON x.indexrelid = c.oid
LEFT JOIN pg_class b ON b.oid = x.indrelid
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN c.relkind IN ('r', 'm') THEN 'heap'
             WHEN c.relkind = 't' OR b.relkind = 't' THEN 'toast'
             WHEN c.relkind = 'i' THEN 'index' END AS kind,
        -- the table itself, the table of an index, or the TOAST table (its owner below)
        CASE WHEN c.relkind IN ('r', 'm', 't') THEN c.oid ELSE b.oid END AS via
) k
LEFT JOIN pg_class owner ON k.kind = 'toast' AND owner.reltoastrelid = k.via
JOIN pg_class t ON t.oid = CASE WHEN k.kind = 'toast' THEN owner.oid ELSE k.via END
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE t.relkind IN ('r', 'm')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
