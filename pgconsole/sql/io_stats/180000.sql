-- pg_stat_io (16+): reads, writes, extends, fsyncs, hits and evictions by backend type, object
-- and I/O context; times are measured only with track_io_timing. Only rows that did anything.
-- 18 reports bytes itself (and WAL I/O as object 'wal').
SELECT
    i.backend_type,
    i.object,
    i.context,
    i.reads,
    i.read_bytes::bigint AS read_bytes,
    i.read_time AS read_ms,
    i.writes,
    i.write_bytes::bigint AS write_bytes,
    i.write_time AS write_ms,
    i.writebacks,
    i.extends,
    i.hits,
    i.evictions,
    i.reuses,
    i.fsyncs,
    i.fsync_time AS fsync_ms
FROM pg_stat_io i
WHERE coalesce(i.reads, 0) + coalesce(i.writes, 0) + coalesce(i.extends, 0) + coalesce(i.hits, 0)
      + coalesce(i.evictions, 0) + coalesce(i.fsyncs, 0) + coalesce(i.writebacks, 0) > 0
ORDER BY i.backend_type, i.object, i.context
