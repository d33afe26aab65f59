"""Officers, customers, loans, schedules, repayments, holidays, waves, hierarchy."""
