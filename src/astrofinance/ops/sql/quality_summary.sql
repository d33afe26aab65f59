-- The seed guide's verification query (step 8 of the complete refresh), as it is written there.
SELECT COUNT(*) AS total_loans,
       COUNT(CASE WHEN wave IS NOT NULL THEN 1 END) AS with_wave,
       COUNT(CASE WHEN vertical_lead_email IS NOT NULL THEN 1 END) AS with_vertical_lead,
       COUNT(CASE WHEN region IS NOT NULL THEN 1 END) AS with_region,
       COUNT(CASE WHEN first_payment_due_date IS NOT NULL THEN 1 END) AS with_first_payment_due,
       ROUND(AVG(current_dpd), 2) AS avg_dpd,
       ROUND(AVG(total_outstanding), 2) AS avg_outstanding
FROM loans;
