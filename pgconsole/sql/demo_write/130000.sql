-- Move money on one account ($1: account id, $2: amount).
UPDATE accounts SET balance = balance + $2, updated_at = now() WHERE id = $1
