-- Repayments are generated before their loans exist: staged here, then inserted at once.
CREATE TEMP TABLE _seed_repayments (
    repayment_id    text,
    loan_id         text,
    payment_date    date,
    payment_amount  numeric(18,2),
    is_reversed     boolean,
    channel         text,
    reference       text
) ON COMMIT DROP;
