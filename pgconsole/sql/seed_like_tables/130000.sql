-- Tables of schema $1 for `seed --like`, partitions included (each is seeded by its own
-- statistics): the planner's row estimate (reltuples; -1 from 14 on, 0 before, when never
-- analyzed) and the size on disk. Read from the catalog, not the rows.
SELECT
    c.relname::text AS name,
    c.reltuples::float8 AS reltuples,
    c.relpages::int8 AS relpages,
    pg_table_size(c.oid)::int8 AS bytes
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
  AND c.relkind IN ('r', 'p')
ORDER BY c.relname
