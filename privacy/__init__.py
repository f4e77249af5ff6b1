"""Privacy requests: forget a person everywhere the CDP keeps data, and keep them forgotten."""
