-- A recorded repayment's channel and reference (an idempotent retry must repeat them).
SELECT channel, reference FROM repayments WHERE repayment_id = :rep
