"""Text in a declared encoding: bytes that do not decode are found and named, never replaced.

Readers decode with `surrogateescape`, which keeps each undecodable byte as a lone
surrogate (U+DC80-U+DCFF) instead of a U+FFFD that hides what it was. A record holding
one is rejected with the byte in its reason, and its raw text shows the byte as `\\xNN`.
"""

from __future__ import annotations

import codecs
import re

DEFAULT_ENCODING = "utf-8"

_UNDECODED = re.compile("[\udc80-\udcff]")


def codec_name(encoding: str) -> str:
    """Python's canonical name of an encoding (`latin-1` -> `iso8859-1`); LookupError if unknown."""
    return codecs.lookup(encoding).name


def is_utf8(encoding: str) -> bool:
    return codec_name(encoding) == "utf-8"


def undecoded_byte(text: str) -> int | None:
    """The first byte that did not decode in text read with surrogateescape, or None."""
    found = _UNDECODED.search(text)
    return ord(found.group()) - 0xDC00 if found else None


def shown(text: str, encoding: str) -> str:
    """Text read with surrogateescape, its undecoded bytes written as `\\xNN`."""
    if _UNDECODED.search(text) is None:
        return text
    return text.encode(encoding, "surrogateescape").decode(encoding, "backslashreplace")


def bad_bytes_reason(encoding: str, byte: int) -> str:
    return f"not valid {encoding} text: byte 0x{byte:02x}"
