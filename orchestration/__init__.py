"""Dagster definitions for the CDP: landing (dlt), models (dbt), jobs, schedules, sensors."""
