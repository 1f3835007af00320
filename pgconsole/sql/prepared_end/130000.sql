-- The statement that ends prepared transaction $1 ($2 true: COMMIT, false: ROLLBACK), its gid
-- quoted by the server (a utility statement takes no parameters). NULL when no such gid is here.
SELECT CASE WHEN $2::bool THEN 'COMMIT' ELSE 'ROLLBACK' END || ' PREPARED ' || quote_literal(p.gid)
FROM pg_prepared_xacts p
WHERE p.gid = $1::text AND p.database = current_database()
