-- Whether the target knows a type the copied schema uses but does not create ($1: as the
-- source's format_type() spelled it, schema-qualified): NULL when it does not.
SELECT pg_catalog.to_regtype($1)::oid::int8 AS oid
