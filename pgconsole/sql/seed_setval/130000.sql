-- Move the sequence behind an identity or serial column ($1 table as qualified, quoted
-- text; $2 column name, literal) past the values the seeder wrote ($3), so inserts go on.
SELECT setval(pg_get_serial_sequence($1, $2), $3)
