-- Standby: queries cancelled because replay needed what they held, per database; 16 adds
-- logical slots invalidated on a standby.
SELECT
    c.datname::text AS datname,
    c.confl_tablespace AS tablespace,
    c.confl_lock AS lock,
    c.confl_snapshot AS snapshot,
    c.confl_bufferpin AS bufferpin,
    c.confl_deadlock AS deadlock,
    c.confl_active_logicalslot AS logicalslot,
    (c.confl_tablespace + c.confl_lock + c.confl_snapshot + c.confl_bufferpin + c.confl_deadlock
     + c.confl_active_logicalslot) AS total
FROM pg_stat_database_conflicts c
WHERE c.datname NOT IN ('template0', 'template1')
ORDER BY total DESC, c.datname
