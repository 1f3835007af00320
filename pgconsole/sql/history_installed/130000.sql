-- is the store installed, and is TimescaleDB there to use
SELECT to_regclass('pgconsole_history.meta') IS NOT NULL AS installed,
       to_regclass('pgconsole_history.records') IS NOT NULL AS has_records,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb
