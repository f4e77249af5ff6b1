"""Write and read keys: from the environment, checked in constant time, never logged.

Segment's clients send the write key as HTTP Basic auth (the key as user name, no
password) and, the older ones only, as `writeKey` in the JSON body; both are accepted.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Iterable

WRITE_KEYS_VARIABLE = "CDP_WRITE_KEYS"
READ_KEYS_VARIABLE = "CDP_READ_KEYS"


class KeySet:
    """Keys from one comma-separated variable; an empty set lets nobody in."""

    def __init__(self, keys: Iterable[str]):
        self._keys = tuple(key.encode() for key in keys)

    @classmethod
    def from_environment(cls, variable: str) -> KeySet:
        return cls(key.strip() for key in os.environ.get(variable, "").split(",") if key.strip())

    def __bool__(self) -> bool:
        return bool(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def accepts(self, key: object) -> bool:
        if not isinstance(key, str) or not key:
            return False
        given = key.encode()
        # every key is compared, so the time taken says nothing about which one nearly matched
        matches = [hmac.compare_digest(given, known) for known in self._keys]
        return any(matches)


def basic_auth_user(header: str | None) -> str | None:
    """The user name of an `Authorization: Basic` header (Segment: the key, then `:` and
    no password; a key encoded without the colon is accepted too, as Segment does)."""
    if not header:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return decoded.partition(":")[0]


def has_basic_auth(header: str | None) -> bool:
    return bool(header) and header.split(" ", 1)[0].lower() == "basic"
