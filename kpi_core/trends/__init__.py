"""Trends: KPI series over time, with last year beside them, and lagged correlations."""
