-- Relation and constraint names in use in schema $1: the seeder never creates an index or
-- constraint whose name is taken (a rerun keeps what an earlier run built).
SELECT c.relname::text AS name
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1
UNION
SELECT con.conname::text
FROM pg_constraint con
JOIN pg_namespace n ON n.oid = con.connamespace
WHERE n.nspname = $1
