"""Data quality: great-expectations suites over DuckDB tables, validated in bounded chunks."""
