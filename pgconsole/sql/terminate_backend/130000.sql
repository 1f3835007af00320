-- End one backend ($1: pid). Before 14 the server cannot wait for the exit, so $2
-- (the wait in ms on 14+) is only referenced to keep one calling convention.
SELECT pg_terminate_backend($1::int) AS signalled, (false AND $2::bigint > 0) AS waited
