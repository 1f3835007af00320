-- Columns of the tables $1 (oids): their type, and for domains and enums what lies beneath,
-- so the seeder can pick a binary encoding and values the constraints accept.
SELECT
    a.attrelid::int8 AS table_oid,
    a.attname::text AS name,
    format_type(a.atttypid, a.atttypmod) AS type,
    format_type(bt.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS base_type,
    a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS not_null,
    a.atthasdef AS has_default,
    a.attidentity::text AS identity,
    a.attgenerated::text AS generated,
    bt.typtype::text AS typtype,
    CASE WHEN bt.typtype = 'e' THEN
        ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = bt.oid ORDER BY e.enumsortorder)
    END AS enum_labels,
    pg_get_expr(d.adbin, d.adrelid) AS default_expr
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY ($1::oid[])
  AND a.attnum > 0
  AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
