SELECT pg_advisory_unlock(hashtext('pgconsole_history.install'))
