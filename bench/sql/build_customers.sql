-- Customers, each with an officer.
INSERT INTO customers (customer_id, name, phone, officer_id, state)
SELECT 'CUS' || lpad(g::text, 8, '0'), 'Customer ' || g, '+23481' || lpad(g::text, 8, '0'),
       'OFF' || lpad((1 + g %% %(officers)s)::text, 6, '0'), 'Lagos'
FROM generate_series(1, %(customers)s) AS g;
