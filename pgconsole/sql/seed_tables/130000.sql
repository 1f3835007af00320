-- Tables of one schema the seeder may fill: $1 schema, $2 table names (NULL: all of them).
-- Partitions are left out (rows go through their partitioned parent) unless named: seed
-- --like seeds each partition as a table of its own.
SELECT
    c.oid::int8 AS oid,
    c.relname::text AS name,
    c.relkind::text AS kind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
  AND ($2::text[] IS NULL AND NOT c.relispartition OR c.relname = ANY ($2::text[]))
ORDER BY c.relname
