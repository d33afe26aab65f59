-- A new wave rule (its insert trigger re-assigns every loan's wave).
INSERT INTO wave_rules (priority, wave, officer_hired_on_or_after, disbursed_on_or_after,
                        description, active)
VALUES (:priority, :wave, :hired, :disbursed, :description, true)
RETURNING id
