-- rollup_officer_counts.sql's (group, officer) rows read from the loan cube (migration
-- 0024), when it is valid and the date is the stored one: the shares of the counted loans
-- (disbursed by the date, neither Pending nor Cancelled), a loan on the books among them.
    SELECT {group_key} AS grp, b.officer_id, min({label}) AS label,
           bool_or(b.on_books) AS on_books
    FROM loan_cube b
    WHERE b.fields_as_of = :as_of AND b.counted AND b.loans > 0
      {filters}
    GROUP BY 1, 2
