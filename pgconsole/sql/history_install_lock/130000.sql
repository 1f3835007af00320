-- two recorders installing the store at once: one after the other (a session lock, taken before
-- the installing transaction so that the second one then sees what the first one created)
SELECT pg_advisory_lock(hashtext('pgconsole_history.install'))
