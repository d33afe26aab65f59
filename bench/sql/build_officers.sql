-- Officers with a supervisor (one per 12) and a vertical lead per region; hire dates spread
-- over the three years before as_of (some recent enough for Wave 2).
INSERT INTO officers (officer_id, name, email, phone, branch, region, hire_date, user_type,
                      status, supervisor_email, supervisor_name, vertical_lead_email,
                      vertical_lead_name)
SELECT 'OFF' || lpad(g::text, 6, '0'), 'Officer ' || g, 'officer' || g || '@bench.example',
       '+23480' || lpad(g::text, 8, '0'), b.branch, b.region,
       %(as_of)s::date - 1100 + (g * 7919) %% 1090, 'loan_officer', 'active',
       'supervisor' || (g / 12) || '@bench.example', 'Supervisor ' || (g / 12),
       'lead.' || b.k || '@bench.example', 'Vertical Lead ' || b.k
FROM generate_series(1, %(officers)s) AS g
JOIN (VALUES (0, 'Ikeja', 'Lagos'), (1, 'Yaba', 'Lagos'), (2, 'Lekki', 'Lagos'),
             (3, 'Ibadan', 'South West'), (4, 'Abeokuta', 'South West'),
             (5, 'Abuja', 'North Central'), (6, 'Ilorin', 'North Central'),
             (7, 'Port Harcourt', 'South South'), (8, 'Benin City', 'South South'),
             (9, 'Kano', 'North West'), (10, 'Kaduna', 'North West'),
             (11, 'Enugu', 'South East'), (12, 'Onitsha', 'South East')) AS b(k, branch, region)
  ON b.k = g %% 13;
