-- Ask one backend to cancel its current query ($1: pid). False: no such backend
-- (it ended), or not a server backend.
SELECT pg_cancel_backend($1::int) AS signalled
