"""SMS reminders: templates, the queue and history (sms_histories), the providers that
deliver them, quiet hours and retries (docs/operations.md, "SMS reminders")."""
