"""Warehouse-native customer data platform: the `cdp` command, its settings and its config."""
