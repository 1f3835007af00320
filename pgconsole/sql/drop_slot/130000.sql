-- Drop replication slot $1 if it exists and nothing uses it (true: dropped). A logical slot
-- must be dropped from its own database.
SELECT count(*) > 0 AS dropped
FROM (SELECT pg_drop_replication_slot(s.slot_name)
      FROM pg_replication_slots s
      WHERE s.slot_name = $1::name AND NOT s.active) AS d
