-- A template's text (:body) filled in for one loan, as the queueing fills it
-- (sms_render, the one rendering; the same loan fields as sms_overdue_candidates).
SELECT sms_render(:body, c.name, coalesce(l.overdue_amount, 0), coalesce(l.current_dpd, 0),
                  l.loan_id, o.name, o.phone) AS message,
       nullif(btrim(c.phone), '') AS phone
FROM loans l
LEFT JOIN customers c ON c.customer_id = l.customer_id
LEFT JOIN officers o ON o.officer_id = l.officer_id
WHERE l.loan_id = :loan_id
