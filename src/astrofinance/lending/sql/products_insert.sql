INSERT INTO products (code, name, interest_method, annual_rate, frequency, min_principal,
                      max_principal, min_installments, max_installments, fee_rate, fee_flat,
                      fee_timing, allocation_order, grace_days, fimr_grace_days, is_active,
                      created_by)
VALUES (:code, :name, :interest_method, :annual_rate, :frequency, :min_principal,
        :max_principal, :min_installments, :max_installments, :fee_rate, :fee_flat, :fee_timing,
        :allocation_order, :grace_days, :fimr_grace_days, :is_active, :created_by)
