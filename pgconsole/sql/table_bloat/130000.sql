-- Estimated table bloat by the catalog method (the ioguix / check_postgres family):
-- the size the table would have from reltuples and the average row width in
-- pg_stats, against its size on disk. pg_stats only shows columns this role may
-- read; a table without statistics for every column gets no estimate, never a guess.
WITH cols AS (
    SELECT
        c.oid AS relid,
        count(*) AS ncols,
        count(s.attname) AS ncols_stats,
        sum((1 - coalesce(s.null_frac, 0)) * coalesce(s.avg_width, 0)) AS data_width,
        max(coalesce(s.null_frac, 0)) > 0 AS has_nulls
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
        AND s.attname = a.attname AND NOT s.inherited
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
    GROUP BY c.oid
),
shape AS (
    SELECT
        c.oid AS relid,
        n.nspname::text AS schemaname,
        c.relname::text AS relname,
        c.reltuples,
        c.relpages + coalesce(t.relpages, 0) AS pages,
        coalesce(t.reltuples, 0) AS toast_tuples,
        current_setting('block_size')::numeric AS bs,
        coalesce(substring(array_to_string(c.reloptions, ' ') FROM 'fillfactor=([0-9]+)')::int, 100) AS fillfactor,
        -- tuple header (23 bytes + null bitmap), each part aligned to 8 bytes, plus its 4-byte line pointer
        4 + ceil((23 + CASE WHEN k.has_nulls THEN (7 + k.ncols) / 8 ELSE 0 END) / 8.0) * 8
          + ceil(k.data_width / 8.0) * 8 AS tuple_bytes,
        k.ncols, k.ncols_stats
    FROM cols k
    JOIN pg_class c ON c.oid = k.relid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
),
est AS (
    SELECT
        sh.*,
        CASE WHEN sh.reltuples < 0 OR (sh.reltuples = 0 AND sh.pages > 0) THEN 'never analyzed'
             WHEN sh.ncols_stats < sh.ncols
             THEN 'no pg_stats for ' || (sh.ncols - sh.ncols_stats) || ' of ' || sh.ncols
                  || ' columns (not analyzed, or this role may not read them)'
        END AS no_estimate_reason,
        ceil(greatest(sh.reltuples, 0) / greatest(floor((sh.bs - 24) * sh.fillfactor / 100 / sh.tuple_bytes), 1))
          + ceil(sh.toast_tuples / 4) AS est_pages
    FROM shape sh
)
SELECT
    e.relid::bigint AS relid,
    e.schemaname,
    e.relname,
    pg_table_size(e.relid) AS size_bytes,
    CASE WHEN e.no_estimate_reason IS NULL
         THEN greatest(e.pages - e.est_pages, 0) * e.bs END::float8 AS est_bloat_bytes,
    CASE WHEN e.no_estimate_reason IS NULL AND e.pages > 0
         THEN 100 * greatest(e.pages - e.est_pages, 0) / e.pages END::float8 AS est_bloat_pct,
    coalesce(st.n_live_tup, 0) AS n_live_tup,
    coalesce(st.n_dead_tup, 0) AS n_dead_tup,
    coalesce(st.n_mod_since_analyze, 0) AS n_mod_since_analyze,
    st.last_vacuum,
    st.last_autovacuum,
    st.last_analyze,
    st.last_autoanalyze,
    extract(epoch FROM clock_timestamp()
        - greatest(st.last_analyze, st.last_autoanalyze))::float8 AS stats_age_s,
    e.no_estimate_reason,
    -- totals over every table, before the LIMIT (the report counts them all)
    count(*) FILTER (WHERE e.no_estimate_reason IS NULL) OVER () AS all_estimated,
    (sum(greatest(e.pages - e.est_pages, 0) * e.bs) FILTER (WHERE e.no_estimate_reason IS NULL) OVER ())::float8
        AS all_est_bloat_bytes,
    (sum(coalesce(st.n_dead_tup, 0)) OVER ())::bigint AS all_dead_rows
FROM est e
LEFT JOIN pg_stat_all_tables st ON st.relid = e.relid
ORDER BY est_bloat_bytes DESC NULLS LAST, st.n_dead_tup DESC NULLS LAST
-- a literal, not $1: a statement without parameters keeps one plan on the session;
-- with one, PostgreSQL plans it again on each of its first five runs (2.5 ms each here,
-- more than the run, and a hidden bloat view runs every few minutes: half an hour of that)
LIMIT 500
