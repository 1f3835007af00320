-- Pairs of indexes on one table where the first is redundant given the second:
-- 'identical' (same method, key columns, operator classes, collations, options,
-- expressions, predicate and INCLUDE columns) or 'prefix' (a plain B-tree whose key
-- columns are the leading key columns of a longer one, same predicate, nothing to
-- enforce). Which of two identical indexes to keep is decided in Python.
WITH idx AS (
    SELECT
        i.indexrelid,
        i.indrelid,
        c.relam,
        c.relname AS indexrelname,
        i.indisunique,
        i.indisprimary,
        i.indnkeyatts,
        i.indnatts,
        (string_to_array(i.indkey::text, ' ')::int2[])[1:i.indnkeyatts] AS keycols,
        (string_to_array(i.indkey::text, ' ')::int2[])[i.indnkeyatts + 1:i.indnatts] AS includecols,
        string_to_array(i.indclass::text, ' ')::oid[] AS opclasses,
        string_to_array(i.indcollation::text, ' ')::oid[] AS collations,
        string_to_array(i.indoption::text, ' ')::int2[] AS options,
        pg_get_expr(i.indexprs, i.indrelid) AS exprs,
        pg_get_expr(i.indpred, i.indrelid) AS pred,
        pg_get_indexdef(i.indexrelid) AS definition,
        pg_relation_size(i.indexrelid) AS size_bytes,
        (SELECT con.conname::text FROM pg_constraint con
          WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
            AND con.contype IN ('p', 'u', 'x') LIMIT 1) AS constraint_name,
        coalesce(s.idx_scan, 0) AS idx_scan
    FROM pg_index i
    -- partitions' indexes attached to a partitioned one are judged on the parent, not each
    JOIN pg_class c ON c.oid = i.indexrelid AND c.relkind = 'i' AND NOT c.relispartition
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
    WHERE i.indisvalid
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
      AND n.nspname !~ '^pg_temp_'
),
pairs AS (
    SELECT a.*, b.indexrelid AS b_oid, 'identical'::text AS kind,
           b.indexrelname AS b_name, b.definition AS b_def, b.size_bytes AS b_bytes,
           b.indisunique AS b_unique, b.indisprimary AS b_primary, b.constraint_name AS b_constraint,
           b.idx_scan AS b_scans
    FROM idx a
    JOIN idx b ON b.indrelid = a.indrelid AND b.indexrelid > a.indexrelid
     AND b.relam = a.relam AND b.keycols = a.keycols AND b.includecols = a.includecols
     AND b.opclasses = a.opclasses AND b.collations = a.collations AND b.options = a.options
     AND b.exprs IS NOT DISTINCT FROM a.exprs AND b.pred IS NOT DISTINCT FROM a.pred
    UNION ALL
    SELECT a.*, b.indexrelid, 'prefix',
           b.indexrelname, b.definition, b.size_bytes,
           b.indisunique, b.indisprimary, b.constraint_name, b.idx_scan
    FROM idx a
    JOIN idx b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
     AND b.relam = a.relam
     AND cardinality(a.keycols) < cardinality(b.keycols)
     AND b.keycols[1:cardinality(a.keycols)] = a.keycols
     AND b.opclasses[1:cardinality(a.keycols)] = a.opclasses
     AND b.collations[1:cardinality(a.keycols)] = a.collations
     AND b.options[1:cardinality(a.keycols)] = a.options
     AND a.exprs IS NULL AND b.exprs IS NULL
     AND b.pred IS NOT DISTINCT FROM a.pred
    WHERE a.relam = (SELECT oid FROM pg_am WHERE amname = 'btree')
      AND NOT a.indisunique AND a.constraint_name IS NULL AND a.indnatts = a.indnkeyatts
)
SELECT
    n.nspname::text AS schemaname,
    t.relname::text AS relname,
    p.kind,
    p.indexrelname::text AS a_name,
    p.definition AS a_def,
    p.size_bytes AS a_bytes,
    p.indisunique AS a_unique,
    p.indisprimary AS a_primary,
    p.constraint_name AS a_constraint,
    p.idx_scan AS a_scans,
    p.b_name::text AS b_name,
    p.b_def,
    p.b_bytes,
    p.b_unique,
    p.b_primary,
    p.b_constraint,
    p.b_scans
FROM pairs p
JOIN pg_class t ON t.oid = p.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
ORDER BY p.size_bytes DESC, n.nspname, t.relname, p.indexrelname
LIMIT 1000
