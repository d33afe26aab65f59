-- A customer's editable fields, all at once (update_customer has merged and checked them).
UPDATE customers
SET name = :name, phone = :phone, email = :email, officer_id = :officer_id, branch = :branch,
    state = :state, updated_at = now()
WHERE customer_id = :customer_id
