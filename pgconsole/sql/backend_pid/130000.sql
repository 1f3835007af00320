-- This session's backend pid, so the console can mark (and refuse to signal) its own sessions.
SELECT pg_backend_pid() AS pid
