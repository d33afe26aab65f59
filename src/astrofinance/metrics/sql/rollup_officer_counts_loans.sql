-- rollup_officer_counts.sql's (group, officer) rows read from the loans: one row per group
-- and officer (a parallel aggregate over the loans disbursed by :as_of).
    SELECT x.grp, x.officer_id, min(x.label) AS label, bool_or(x.on_books) AS on_books
    FROM (
        SELECT {group_key} AS grp, {label} AS label, b.officer_id, {on_books} AS on_books
        FROM loans b
        WHERE b.status NOT IN ('Pending', 'Cancelled')
          AND b.disbursement_date <= :as_of
          {filters}
    ) x
    GROUP BY x.grp, x.officer_id
