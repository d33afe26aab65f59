-- How many customers match the filters (the same as customers_list.sql).
SELECT count(*) FROM customers c WHERE TRUE{where}
