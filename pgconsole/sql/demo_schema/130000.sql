-- The small built-in dataset of `pgconsole demo`: customers, accounts, orders, an
-- event log, and an archive table left bloated on purpose (autovacuum off, half its
-- rows deleted) so the Bloat pane and VACUUM have something to show.
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    country text NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO customers
SELECT g, 'customer ' || g, 'c' || g || '@example.com',
       (ARRAY['FR','DE','US','JP','BR','IN','GB','ES'])[1 + g % 8],
       now() - (g % 1000) * interval '1 day'
FROM generate_series(1, 20000) g;

CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO accounts SELECT g, 1 + g % 20000, (g % 997) * 10.5, now() FROM generate_series(1, 50000) g;

CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text NOT NULL,
    total numeric(12, 2) NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO orders (customer_id, status, total, created_at)
SELECT 1 + g % 20000, (ARRAY['new','paid','shipped','delivered','cancelled'])[1 + g % 5],
       (g % 5000) / 10.0, now() - (g % 100000) * interval '1 minute'
FROM generate_series(1, 200000) g;
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_created ON orders (created_at);

CREATE TABLE events (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL,
    kind text NOT NULL,
    amount numeric(12, 2),
    at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events_archive WITH (autovacuum_enabled = off) AS
SELECT g AS id, 1 + g % 50000 AS account_id, 'transfer'::text AS kind, (g % 300)::numeric AS amount,
       now() - g * interval '1 second' AS at
FROM generate_series(1, 150000) g;
DELETE FROM events_archive WHERE id % 2 = 0;

CREATE TABLE demo_ready ();
