"""The `cdp` command: the top of the house, over orchestration, activation and core."""
