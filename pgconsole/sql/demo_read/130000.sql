-- A customer's recent orders ($1: customer id).
SELECT o.id, o.status, o.total, o.created_at
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.customer_id = $1
ORDER BY o.created_at DESC
LIMIT 10
