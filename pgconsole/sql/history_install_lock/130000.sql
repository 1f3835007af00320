-- two recorders installing the store at once: one after the other
SELECT pg_advisory_xact_lock(hashtext('pgconsole_history.install'))
