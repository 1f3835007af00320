SELECT key, value FROM pgconsole_history.meta
