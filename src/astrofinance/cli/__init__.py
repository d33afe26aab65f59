"""The `astrofinance` command (thin: parses, calls services, renders)."""
