-- Tables of schema $1 as `seed --like` re-creates them (read with search_path '' so every
-- name in a definition comes out schema-qualified): kind (r, p), persistence, storage
-- options, the partition key of a partitioned table, and of a partition its parent and
-- bound (pg_get_expr of relpartbound: FOR VALUES ... or DEFAULT). inherits: a child of
-- plain inheritance (not copied as such). Triggers and row security are listed, not copied.
SELECT
    c.oid::int8 AS oid,
    c.relname::text AS name,
    c.relkind::text AS kind,
    c.relpersistence::text AS persistence,
    coalesce(c.reloptions::text[], '{}') AS options,
    CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
    CASE WHEN c.relkind = 'p' THEN pt.partstrat::text END AS strategy,
    CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS bound,
    CASE WHEN c.relispartition THEN
        (SELECT p.relname::text FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
         WHERE i.inhrelid = c.oid)
    END AS parent,
    CASE WHEN c.relispartition THEN
        (SELECT pn.nspname::text FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
         JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace WHERE i.inhrelid = c.oid)
    END AS parent_schema,
    NOT c.relispartition AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhrelid = c.oid) AS inherits,
    c.reloftype <> 0 AS typed,
    c.relrowsecurity AS row_security,
    ARRAY(SELECT t.tgname::text FROM pg_catalog.pg_trigger t
          WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname) AS triggers
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_partitioned_table pt ON pt.partrelid = c.oid
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
ORDER BY c.relname
