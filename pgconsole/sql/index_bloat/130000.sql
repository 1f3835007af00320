-- Estimated B-tree index bloat, catalog method: expected leaf pages from the index's
-- reltuples and the average width of its key columns in pg_stats (the table's
-- column, or the index's own entry for an expression), against relpages.
WITH keys AS (
    SELECT
        i.indexrelid,
        i.indrelid,
        count(*) AS nkeys,
        count(s.attname) AS nkeys_stats,
        sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)) AS data_width,
        max(coalesce(s.null_frac, 0)) > 0 AS has_nulls
    FROM pg_index i
    JOIN pg_class ci ON ci.oid = i.indexrelid
    JOIN pg_class ct ON ct.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ct.relnamespace
    JOIN pg_am am ON am.oid = ci.relam AND am.amname = 'btree'
    JOIN pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum > 0
    LEFT JOIN pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = i.indkey[ia.attnum - 1]
        AND i.indkey[ia.attnum - 1] <> 0
    -- One index lookup per key column. A join against the whole pg_stats view is planned
    -- from its row estimate (far too low) and can degrade to comparing every key column
    -- with every pg_stats row: 8 s for 7,000 indexes. LIMIT 1 keeps this a per-row lookup
    -- (the view has at most one row per column); CASE, not coalesce, lets the attname
    -- condition reach pg_attribute's name index through the view's security barrier.
    LEFT JOIN LATERAL (
        SELECT st.attname, st.null_frac, st.avg_width FROM pg_stats st
        WHERE st.schemaname = n.nspname AND NOT st.inherited
          AND st.tablename = CASE WHEN ta.attname IS NOT NULL THEN ct.relname ELSE ci.relname END
          AND st.attname = CASE WHEN ta.attname IS NOT NULL THEN ta.attname ELSE ia.attname END
        LIMIT 1
    ) s ON true
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
      AND ci.relpages > 0
    GROUP BY i.indexrelid, i.indrelid
),
est AS (
    SELECT
        k.*,
        ci.relpages,
        ci.reltuples,
        current_setting('block_size')::numeric AS bs,
        coalesce(substring(array_to_string(ci.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::int, 90) AS fillfactor,
        -- index tuple: 8-byte header (+ null bitmap), key data, aligned, plus a 4-byte line pointer
        4 + 8 + CASE WHEN k.has_nulls THEN 8 ELSE 0 END + ceil(k.data_width / 8.0) * 8 AS tuple_bytes
    FROM keys k
    JOIN pg_class ci ON ci.oid = k.indexrelid
)
SELECT
    e.indexrelid::bigint AS indexrelid,
    n.nspname::text AS schemaname,
    ct.relname::text AS relname,
    ci.relname::text AS indexrelname,
    pg_relation_size(e.indexrelid) AS size_bytes,
    CASE WHEN r.reason IS NULL
         THEN greatest(e.relpages - r.est_pages, 0) * e.bs END::float8 AS est_bloat_bytes,
    CASE WHEN r.reason IS NULL
         THEN 100 * greatest(e.relpages - r.est_pages, 0) / e.relpages END::float8 AS est_bloat_pct,
    r.reason AS no_estimate_reason,
    -- over every B-tree index, before the LIMIT (the report's total)
    (sum(greatest(e.relpages - r.est_pages, 0) * e.bs) FILTER (WHERE r.reason IS NULL) OVER ())::float8
        AS all_est_bloat_bytes
FROM est e
JOIN pg_class ci ON ci.oid = e.indexrelid
JOIN pg_class ct ON ct.oid = e.indrelid
JOIN pg_namespace n ON n.oid = ct.relnamespace
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN e.reltuples < 0 THEN 'never analyzed'
             WHEN e.nkeys_stats < e.nkeys
             THEN 'no pg_stats for ' || (e.nkeys - e.nkeys_stats) || ' of ' || e.nkeys
                  || ' key columns (not analyzed, or this role may not read them)'
        END AS reason,
        -- leaf pages for the tuples at the fill factor, plus the metapage
        1 + ceil(greatest(e.reltuples, 0) * e.tuple_bytes / ((e.bs - 24 - 16) * e.fillfactor / 100)) AS est_pages
) r
ORDER BY est_bloat_bytes DESC NULLS LAST
-- a literal, not $1: a statement without parameters keeps one plan on the session;
-- with one, PostgreSQL plans it again on each of its first five runs (2.5 ms each here,
-- more than the run, and a hidden bloat view runs every few minutes: half an hour of that)
LIMIT 500
