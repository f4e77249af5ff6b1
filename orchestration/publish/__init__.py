"""Publishing the `cdp` tables as a read-only snapshot that BI tools read during runs."""
