-- End one backend ($1: pid) and wait up to $2 ms for it to exit (14+): false with a
-- WARNING when it is still there after that time.
SELECT pg_terminate_backend($1::int, $2::bigint) AS signalled, true AS waited
