"""Activation: what goes out of the warehouse (destinations, and the snapshot BI reads)."""
