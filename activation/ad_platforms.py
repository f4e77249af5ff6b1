"""Hashed contact fields as ad platforms match them: each normalises before SHA-256, and
a hash of a value normalised otherwise matches nobody.

- Meta (Conversions API and custom audiences, `em` / `ph`): email trimmed and lower-cased;
  phone as digits only, country code first, no `+`, no leading zeros (`16505551212`).
- Google (Customer Match, enhanced conversions): email trimmed and lower-cased; phone in
  E.164, with its `+` (`+16505551212`). Removing the dots before `@gmail.com` is
  asked for by some Google products (Campaign Manager 360's enhanced conversions), not by
  Customer Match's normalisation: we keep them, so an address is hashed as it was given
  and one profile's email hash is the same for both platforms.

Profiles hold phones in E.164 already (landing normalises them with the identity
region); the SQL normalises again, so a field from another table is hashed right too.
Runs in DuckDB, where the destinations' rows are read (activation/rows.py).
"""

from __future__ import annotations

PLATFORMS = ("meta", "google")
# the fields a platform destination always sends hashed, never plain
CONTACT_FIELDS = ("email", "phone")


def _digits(value: str) -> str:
    return f"regexp_replace({value}, '[^0-9]', '', 'g')"


def normalized_sql(platform: str, field: str, value: str) -> str:
    """SQL of `value` (a `field` of the rows) normalised as `platform` hashes it; null stays null."""
    if field == "email":
        return f"lower(trim({value}))"
    if field == "phone":
        digits = f"ltrim({_digits(value)}, '0')"
        return f"nullif({digits}, '')" if platform == "meta" else f"'+' || nullif({digits}, '')"
    raise ValueError(f"{platform} matches on {', '.join(CONTACT_FIELDS)}, not {field}")


def hashed_sql(platform: str, field: str, value: str) -> str:
    """Hex SHA-256 of the normalised value."""
    return f"sha256({normalized_sql(platform, field, value)})"
