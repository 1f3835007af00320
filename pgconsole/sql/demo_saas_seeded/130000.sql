-- Whether an earlier demo already seeded the "saas" scenario (the marker demo_saas_done creates).
SELECT to_regclass('public.demo_saas_ready') IS NOT NULL AS seeded
