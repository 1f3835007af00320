-- Log one event ($1: account id, $2: amount).
INSERT INTO events (account_id, kind, amount) VALUES ($1, 'transfer', $2)
