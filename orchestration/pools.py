"""Concurrency pools shared by every asset that writes the warehouse."""

# DuckDB allows one writing process per file: every writer (dlt and dbt) takes this
# pool, and the instance's dagster.yaml gives pools a limit of 1.
WAREHOUSE_POOL = "duckdb_warehouse"
