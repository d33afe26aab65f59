-- The earlier system's verification (step 8) and quick-reference queries, verbatim
-- (shared/spec/seed-excerpts.md). They must run unchanged against the product's database.
SELECT COUNT(*) AS total_loans,
       COUNT(CASE WHEN wave IS NOT NULL THEN 1 END) AS with_wave,
       COUNT(CASE WHEN vertical_lead_email IS NOT NULL THEN 1 END) AS with_vertical_lead,
       COUNT(CASE WHEN region IS NOT NULL THEN 1 END) AS with_region,
       COUNT(CASE WHEN first_payment_due_date IS NOT NULL THEN 1 END) AS with_first_payment_due,
       ROUND(AVG(current_dpd), 2) AS avg_dpd,
       ROUND(AVG(total_outstanding), 2) AS avg_outstanding
FROM loans;
SELECT * FROM sync_tracking ORDER BY last_sync_at DESC;
SELECT 'Officers' AS entity, COUNT(*) FROM officers UNION ALL SELECT 'Customers', COUNT(*) FROM customers
  UNION ALL SELECT 'Loans', COUNT(*) FROM loans UNION ALL SELECT 'Repayments', COUNT(*) FROM repayments;
SELECT wave, COUNT(*) AS count FROM loans GROUP BY wave ORDER BY wave;
SELECT COUNT(*) AS total_loans, COUNT(vertical_lead_email) AS with_vertical_lead,
       ROUND(100.0 * COUNT(vertical_lead_email) / COUNT(*), 2) AS coverage_pct FROM loans;
SELECT COUNT(*) AS total_loans, COUNT(CASE WHEN current_dpd > 0 THEN 1 END) AS loans_in_arrears,
       COUNT(CASE WHEN fimr_tagged = TRUE THEN 1 END) AS fimr_loans,
       COUNT(CASE WHEN early_indicator_tagged = TRUE THEN 1 END) AS early_indicator_loans,
       ROUND(AVG(timeliness_score), 2) AS avg_timeliness_score, ROUND(AVG(repayment_health), 2) AS avg_repayment_health,
       ROUND(SUM(actual_outstanding), 2) AS total_portfolio_outstanding
FROM loans WHERE status = 'Active';
SELECT DATE(payment_date) AS payment_date, COUNT(*) AS repayment_count, ROUND(SUM(payment_amount), 2) AS total_amount
FROM repayments WHERE payment_date >= CURRENT_DATE - INTERVAL '7 days' GROUP BY DATE(payment_date) ORDER BY payment_date DESC;
SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE '%wave%';
UPDATE loans l SET vertical_lead_name = o.vertical_lead_name, vertical_lead_email = o.vertical_lead_email, region = o.region
FROM officers o WHERE l.officer_id = o.officer_id;
SELECT * FROM recalculate_all_loan_fields();
