SELECT r.name, r.description,
       coalesce(array_agg(p.permission ORDER BY p.permission)
                    FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
FROM roles r
LEFT JOIN permissions p ON p.role = r.name
GROUP BY r.name, r.description
ORDER BY array_position(ARRAY['admin', 'manager', 'analyst', 'vertical_lead', 'supervisor',
                            'loan_officer', 'viewer'], r.name),
         r.name
