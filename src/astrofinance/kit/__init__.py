"""Small shared tools: money, dates and the business-day calendar, SQL file loading."""
