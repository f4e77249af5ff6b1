"""Identifier normalisation: the one place that decides what an email or phone *is*.

Runs inside ingestion because it needs maintained libraries (`email-validator`,
`phonenumbers`) that no SQL engine has. Each function returns the normalised value,
or None with a reason.

At volume, calling email-validator for every distinct address is the slowest part of
landing (about 80 us each), so the parser first accepts in SQL the addresses that match
`FAST_EMAIL_SQL`: plain ASCII addresses that email-validator also accepts (a test checks
that claim). Everything else still goes to email-validator, which stays the authority.

A misspelt mail domain (`x@gmial.com`) is a rule of the identity graph, not of landing:
landing stores what arrived, and dbt corrects it (stg_cdp__identifiers) from the list in
`dbt_project/seeds/email_domain_typos.csv`, so an edited list applies to all history.
`correct_email_domain` reads the same file, for the values people type (`cdp explain`,
`cdp forget`, overrides, the profile API) to find what the warehouse holds.
"""

from __future__ import annotations

import csv
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.marts import DBT_PROJECT_DIR

EMAIL_DOMAIN_TYPOS = DBT_PROJECT_DIR / "seeds" / "email_domain_typos.csv"


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


@cache
def email_domain_typos(path: Path = EMAIL_DOMAIN_TYPOS) -> dict[str, str]:
    """Misspelt domain -> the domain meant, as the dbt seed lists them."""
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["typo_domain"].strip().lower(): row["domain"].strip().lower() for row in csv.DictReader(handle)}


def correct_email_domain(email: str) -> str:
    """A normalised email with a misspelt domain as the one meant; any other as it is
    (the SQL twin is in dbt_project/models/staging/stg_cdp__identifiers.sql)."""
    local, at, domain = email.partition("@")
    meant = email_domain_typos().get(domain) if at else None
    return f"{local}@{meant}" if meant else email


def normalize(kind: str, raw: str, region: str) -> tuple[str | None, str | None]:
    if kind == "email":
        return normalize_email(raw)
    if kind == "phone":
        return normalize_phone(raw, region)
    return normalize_id(raw)
