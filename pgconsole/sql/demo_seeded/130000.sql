-- Whether the demo dataset is already there (the last object demo_schema creates).
SELECT to_regclass('public.demo_ready') IS NOT NULL AS seeded
