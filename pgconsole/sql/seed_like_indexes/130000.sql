-- Indexes of the tables $1 (oids) that no constraint owns, as `seed --like` copies them:
-- each key column's definition (a name or an expression), access method, uniqueness, predicate.
SELECT
    i.indrelid::int8 AS table_oid,
    ic.relname::text AS name,
    ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnkeyatts) k) AS keys,
    0 = ANY (i.indkey::int2[]) AS has_expression,
    am.amname::text AS method,
    i.indisunique AS is_unique,
    pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY ($1::oid[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
ORDER BY ic.relname
