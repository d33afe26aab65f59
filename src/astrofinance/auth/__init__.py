"""Users, roles and permissions; argon2 passwords; who is acting (context.py)."""
