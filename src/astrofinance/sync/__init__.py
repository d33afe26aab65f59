"""Bringing data in: the CSV bundle import (and, later, source-system connectors)."""
