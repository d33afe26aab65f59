INSERT INTO customers (customer_id, name, phone, email, officer_id, branch, state)
VALUES (:customer_id, :name, :phone, :email, :officer_id, :branch, :state)
