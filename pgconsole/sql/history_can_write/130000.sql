-- may this role record into the store (checked up front: a refusal is one line, not a failed frame)
SELECT has_table_privilege('pgconsole_history.records', 'INSERT') AS records,
       has_table_privilege('pgconsole_history.types', 'INSERT') AS types,
       has_table_privilege('pgconsole_history.servers', 'INSERT, UPDATE') AS servers,
       has_function_privilege('pgconsole_history.ensure_partition(date)', 'EXECUTE') AS partitions
