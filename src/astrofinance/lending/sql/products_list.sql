-- Products (all, or the one with :code), by code.
SELECT code, name, interest_method, annual_rate, frequency, min_principal, max_principal,
       min_installments, max_installments, fee_rate, fee_flat, fee_timing, allocation_order,
       grace_days, fimr_grace_days, is_active
FROM products
WHERE CAST(:code AS text) IS NULL OR code = :code
ORDER BY code
