-- The seeding session's own settings: no statement_timeout (a COPY or an index build may
-- take minutes), and at least 256MB of maintenance_work_mem for the index builds.
SELECT
    set_config('statement_timeout', '0', false) AS statement_timeout,
    set_config('maintenance_work_mem',
               (greatest(pg_size_bytes(current_setting('maintenance_work_mem')), 268435456) / 1024)::text || 'kB',
               false) AS maintenance_work_mem
