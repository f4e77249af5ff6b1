"""Retry what is worth retrying: a network hiccup.

A blanket RetryPolicy would also re-run a dbt build whose tests failed, which only
fails again more slowly; so steps raise RetryRequested for transient errors alone.
"""

import dagster as dg

# Not the warehouse's lock: every step waits that out itself (core/warehouse_lock.py), and
# then fails with a message naming who holds it.
TRANSIENT_MARKERS = ("timed out", "connection reset", "temporarily unavailable")
MAX_RETRIES = 3


def is_transient(error: BaseException | str) -> bool:
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    text = str(error).lower()
    return any(marker in text for marker in TRANSIENT_MARKERS)


def retry_if_transient(error: BaseException) -> None:
    """Raise RetryRequested when `error` is transient; otherwise return so the caller re-raises."""
    if is_transient(error):
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=10) from error
