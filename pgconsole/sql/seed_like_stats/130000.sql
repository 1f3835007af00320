-- Column statistics of schema $1 for `seed --like` (pg_stats shows only the columns the
-- role may read): NULL share, distinct count (negative: a share of the rows), the most
-- common values with their frequencies and the histogram (as array text: any type),
-- average width and the correlation of physical and logical order.
SELECT
    s.tablename::text AS table_name,
    s.attname::text AS column_name,
    s.null_frac::float8 AS null_frac,
    s.n_distinct::float8 AS n_distinct,
    s.avg_width::int4 AS avg_width,
    s.correlation::float8 AS correlation,
    s.most_common_vals::text AS mcv,
    s.most_common_freqs::float8[] AS mcv_freqs,
    s.histogram_bounds::text AS histogram
FROM pg_stats s
WHERE s.schemaname = $1
  AND NOT s.inherited
ORDER BY s.tablename, s.attname
