-- Every sequence with how far it has gone and the columns it feeds: owned by a serial
-- or identity column, or named in a column default. A bigint sequence feeding an
-- integer column runs out at the column's limit, so the smallest column type's range
-- is returned too. last_value is NULL when never used or not readable by this role.
WITH feeds AS (
    SELECT d.objid AS seqid, d.refobjid AS relid, d.refobjsubid AS attnum
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum
    FROM pg_attrdef ad
    JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
        AND d.refclassid = 'pg_class'::regclass
),
cols AS (
    SELECT
        f.seqid,
        array_agg(tn.nspname::text ORDER BY tn.nspname, t.relname, a.attnum) AS col_schemas,
        array_agg(t.relname::text ORDER BY tn.nspname, t.relname, a.attnum) AS col_tables,
        array_agg(a.attname::text ORDER BY tn.nspname, t.relname, a.attnum) AS col_names,
        array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY tn.nspname, t.relname, a.attnum) AS col_types,
        min(CASE a.atttypid WHEN 'int2'::regtype THEN 32767 WHEN 'int4'::regtype THEN 2147483647
                            WHEN 'int8'::regtype THEN 9223372036854775807 END)::bigint AS column_max,
        max(CASE a.atttypid WHEN 'int2'::regtype THEN -32768 WHEN 'int4'::regtype THEN -2147483648
                            WHEN 'int8'::regtype THEN -9223372036854775808 END)::bigint AS column_min,
        bool_or(a.attidentity <> '') AS is_identity
    FROM feeds f
    JOIN pg_class sc ON sc.oid = f.seqid AND sc.relkind = 'S'
    JOIN pg_class t ON t.oid = f.relid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    JOIN pg_attribute a ON a.attrelid = f.relid AND a.attnum = f.attnum AND NOT a.attisdropped
    GROUP BY f.seqid
)
SELECT
    c.oid::bigint AS seqid,
    n.nspname::text AS schemaname,
    c.relname::text AS sequencename,
    format_type(s.seqtypid, NULL) AS data_type,
    s.seqmin AS min_value,
    s.seqmax AS max_value,
    s.seqincrement AS increment_by,
    s.seqcycle AS cycle,
    CASE WHEN has_sequence_privilege(c.oid, 'SELECT,USAGE')
         THEN pg_sequence_last_value(c.oid) END AS last_value,
    k.col_schemas,
    k.col_tables,
    k.col_names,
    k.col_types,
    k.column_max,
    k.column_min,
    coalesce(k.is_identity, false) AS is_identity
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN cols k ON k.seqid = c.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_temp_'
ORDER BY n.nspname, c.relname
LIMIT 5000
