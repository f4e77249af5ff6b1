"""Identifier normalisation: the one place that decides what an email or phone *is*.

Runs inside ingestion because it needs maintained libraries (`email-validator`,
`phonenumbers`) that no SQL engine has. Each function returns the normalised value,
or None with a reason.

At volume, calling email-validator for every distinct address is the slowest part of
landing (about 80 us each), so the parser first accepts in SQL the addresses that match
`FAST_EMAIL_SQL`: plain ASCII addresses that email-validator also accepts (a test checks
that claim). Everything else still goes to email-validator, which stays the authority.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email


_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
_SPECIAL_USE = r"\.(arpa|invalid|local|localhost|onion|test)$"


def fast_email_sql(value: str) -> str:
    """SQL that is true when `value` (already trimmed and lower-cased) is certainly a valid email."""
    local = _LOCAL.replace("'", "''")
    return (
        f"(regexp_full_match({value}, '{local}@{_DOMAIN}')"
        f" and not regexp_matches({value}, '{_SPECIAL_USE}')"
        f" and not contains({value}, 'xn--')"
        f" and length({value}) <= 254 and length(split_part({value}, '@', 1)) <= 64)"
    )


@lru_cache(maxsize=200_000)
def normalize_email(raw: str) -> tuple[str | None, str | None]:
    value = raw.strip().lower()
    if not value:
        return None, "empty email"
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, f"invalid email: {exc}"
    return checked.normalized.lower(), None


@lru_cache(maxsize=200_000)
def normalize_phone(raw: str, region: str) -> tuple[str | None, str | None]:
    value = raw.strip()
    if not value:
        return None, "empty phone"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        return None, f"invalid phone: {exc}"
    if not phonenumbers.is_valid_number(number):
        return None, "invalid phone: not a valid number"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def normalize_id(raw: str) -> tuple[str | None, str | None]:
    value = raw.strip()
    return (value, None) if value else (None, "empty id")


def normalize(kind: str, raw: str, region: str) -> tuple[str | None, str | None]:
    if kind == "email":
        return normalize_email(raw)
    if kind == "phone":
        return normalize_phone(raw, region)
    return normalize_id(raw)
