-- Pairs of indexes on one table where the first is redundant given the second:
-- 'identical' (same method, key columns, operator classes, collations, options,
-- expressions, predicate and INCLUDE columns) or 'prefix' (a plain B-tree whose key
-- columns are the leading key columns of a longer one, same predicate, nothing to
-- enforce). Which of two identical indexes to keep is decided in Python.
-- No self-join: with 20,000 indexes a join of the index list with itself was planned
-- from a one-row estimate as a nested loop (30 s). Pairs come from grouping instead:
-- identical indexes share a group key; a prefix index shares the key of one of the
-- longer index's leading parts (each B-tree contributes its proper prefixes). The
-- details of the few pairs found are then looked up by oid.
WITH cons AS (
    -- the constraint each index enforces (primary key, unique, exclusion)
    SELECT conindid, min(conname)::text AS conname
    FROM pg_constraint WHERE contype IN ('p', 'u', 'x')
    GROUP BY conindid
),
idx AS (
    SELECT
        i.indexrelid,
        i.indrelid,
        c.relam,
        i.indisunique,
        i.indnkeyatts,
        i.indnatts,
        (string_to_array(i.indkey::text, ' ')::int2[])[1:i.indnkeyatts] AS keycols,
        (string_to_array(i.indkey::text, ' ')::int2[])[i.indnkeyatts + 1:i.indnatts] AS includecols,
        string_to_array(i.indclass::text, ' ')::oid[] AS opclasses,
        string_to_array(i.indcollation::text, ' ')::oid[] AS collations,
        string_to_array(i.indoption::text, ' ')::int2[] AS options,
        pg_get_expr(i.indexprs, i.indrelid) AS exprs,
        pg_get_expr(i.indpred, i.indrelid) AS pred,
        con.conindid IS NOT NULL AS enforces
    FROM pg_index i
    -- partitions' indexes attached to a partitioned one are judged on the parent, not each
    JOIN pg_class c ON c.oid = i.indexrelid AND c.relkind = 'i' AND NOT c.relispartition
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN cons con ON con.conindid = i.indexrelid
    WHERE i.indisvalid
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
      AND n.nspname !~ '^pg_temp_'
),
identical AS (
    SELECT array_agg(indexrelid ORDER BY indexrelid) AS oids
    FROM idx
    GROUP BY indrelid, relam, keycols, includecols, opclasses, collations, options, exprs, pred
    HAVING count(*) > 1
),
prefix_keys AS (
    -- the candidates: plain B-trees that enforce nothing, without INCLUDE columns
    SELECT indexrelid, true AS is_short, indrelid, relam, keycols, opclasses, collations, options, pred
    FROM idx
    WHERE relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
      AND NOT indisunique AND NOT enforces AND indnatts = indnkeyatts AND exprs IS NULL
    UNION ALL
    -- what covers them: every proper leading part of a longer index of the same method
    SELECT indexrelid, false, indrelid, relam, keycols[1:k], opclasses[1:k], collations[1:k], options[1:k], pred
    FROM idx, generate_series(1, cardinality(keycols) - 1) AS k
    WHERE exprs IS NULL AND cardinality(keycols) > 1
),
prefix AS (
    SELECT array_agg(indexrelid) FILTER (WHERE is_short) AS shorts,
           array_agg(indexrelid) FILTER (WHERE NOT is_short) AS longs
    FROM prefix_keys
    GROUP BY indrelid, relam, keycols, opclasses, collations, options, pred
    HAVING bool_or(is_short) AND bool_or(NOT is_short)
),
pairs AS (
    SELECT a.oid AS a_oid, b.oid AS b_oid, 'identical'::text AS kind
    FROM identical g
    CROSS JOIN LATERAL unnest(g.oids) WITH ORDINALITY AS a(oid, n)
    CROSS JOIN LATERAL unnest(g.oids) WITH ORDINALITY AS b(oid, m)
    WHERE b.m > a.n
    UNION ALL
    SELECT a.oid, b.oid, 'prefix'
    FROM prefix g
    CROSS JOIN LATERAL unnest(g.shorts) AS a(oid)
    CROSS JOIN LATERAL unnest(g.longs) AS b(oid)
    WHERE a.oid <> b.oid
),
-- the largest first by the pages the catalog knows (cheap); exact sizes only for those kept
top AS (
    SELECT p.*, ia.indrelid
    FROM pairs p
    JOIN pg_class ca ON ca.oid = p.a_oid
    JOIN pg_index ia ON ia.indexrelid = p.a_oid
    JOIN pg_class t ON t.oid = ia.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    ORDER BY ca.relpages DESC, n.nspname, t.relname, ca.relname
    LIMIT 1000
)
SELECT
    n.nspname::text AS schemaname,
    t.relname::text AS relname,
    p.kind,
    ca.relname::text AS a_name,
    pg_get_indexdef(p.a_oid) AS a_def,
    pg_relation_size(p.a_oid) AS a_bytes,
    ia.indisunique AS a_unique,
    ia.indisprimary AS a_primary,
    ka.conname AS a_constraint,
    coalesce(pg_stat_get_numscans(p.a_oid), 0) AS a_scans,
    cb.relname::text AS b_name,
    pg_get_indexdef(p.b_oid) AS b_def,
    pg_relation_size(p.b_oid) AS b_bytes,
    ib.indisunique AS b_unique,
    ib.indisprimary AS b_primary,
    kb.conname AS b_constraint,
    coalesce(pg_stat_get_numscans(p.b_oid), 0) AS b_scans
FROM top p
JOIN pg_index ia ON ia.indexrelid = p.a_oid
JOIN pg_class ca ON ca.oid = p.a_oid
JOIN pg_index ib ON ib.indexrelid = p.b_oid
JOIN pg_class cb ON cb.oid = p.b_oid
JOIN pg_class t ON t.oid = ia.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
LEFT JOIN cons ka ON ka.conindid = p.a_oid
LEFT JOIN cons kb ON kb.conindid = p.b_oid
ORDER BY a_bytes DESC, n.nspname, t.relname, a_name
