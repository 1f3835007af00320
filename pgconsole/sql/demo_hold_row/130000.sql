-- Lock one account row inside a transaction ($1: account id): the head of a lock chain,
-- or a session left idle in transaction.
SELECT id, balance FROM accounts WHERE id = $1 FOR UPDATE
