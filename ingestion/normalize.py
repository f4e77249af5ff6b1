"""Identifier normalisation: the one place that decides what an email or phone *is*.

Runs inside ingestion (as DuckDB functions over distinct values) because it needs
maintained libraries (`email-validator`, `phonenumbers`) that no SQL engine has.
Each function returns the normalised value, or None with a reason.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email


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
