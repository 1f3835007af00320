-- The demo's "saas" scenario is seeded: later demos reuse it.
CREATE TABLE IF NOT EXISTS demo_saas_ready ()
