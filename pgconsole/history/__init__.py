"""History: record every frame the monitor produces, and read any moment or window back.

codec, decoder (dataclass trees <-> JSON values, generically) · delta (changes between values) ·
stream (frames as keyframes and change records) · compress (zstd) · store, sqlite_store,
pg_store (where records are kept) · reader (Recording: the API replay and reports use) ·
recorder (the loop of `pgconsole record`) · times (T1, T2, -15m) · window (report analysis).
"""
