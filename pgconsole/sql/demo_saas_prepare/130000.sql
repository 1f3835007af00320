-- The schema the demo seeds its "saas" scenario into.
CREATE SCHEMA IF NOT EXISTS saas
