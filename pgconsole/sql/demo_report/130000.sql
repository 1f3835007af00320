-- A slow-ish report: revenue per country over the orders (a sequential scan and a hash join).
SELECT c.country, o.status, count(*) AS orders, sum(o.total) AS revenue
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.created_at > now() - $1::int * interval '1 day'
GROUP BY c.country, o.status
ORDER BY revenue DESC
