"""Per-loan computed fields and portfolio metrics (shared/spec/metrics.md)."""
