"""Data quality as Dagster asset checks: GX suites and source freshness."""
