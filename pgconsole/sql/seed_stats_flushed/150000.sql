-- Whether this session's row counts for the tables it just seeded ($1: qualified, quoted
-- names; $2: rows loaded into each) have reached the statistics. ANALYZE after the commit
-- waits for them: counts flushed after it would leave n_mod_since_analyze at the row count,
-- and every seeded table would look unanalyzed. From 15 the session can ask for its
-- pending counts to be flushed when this statement ends, instead of within a second.
SELECT
    (SELECT coalesce(bool_and(s.n_mod_since_analyze >= t.rows), true)
     FROM unnest($1::text[], $2::int8[]) AS t(name, rows)
     JOIN pg_stat_all_tables s ON s.relid = t.name::regclass) AS flushed,
    pg_stat_force_next_flush() AS forced
