"""Benchmarks time each run from a settled disk."""

from __future__ import annotations

import os


def settle() -> None:
    """Write out what earlier steps left in the page cache (generated events, the last
    build's warehouse) before a timed run starts, so that the kernel does not write it
    back during the run, which would then pay for its predecessor."""
    os.sync()
