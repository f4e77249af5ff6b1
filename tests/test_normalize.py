"""Identifier normalisation per the contract: emails trimmed and lower-cased, phones E.164."""

from core.normalize import normalize_email, normalize_phone


def test_email_spelling_variants_are_one_value():
    assert {normalize_email(v)[0] for v in [" Jo.Smith@Gmail.COM", "jo.smith@gmail.com ", "JO.SMITH@GMAIL.COM"]} == {"jo.smith@gmail.com"}


def test_an_invalid_email_is_not_an_identifier():
    value, reason = normalize_email("n/a")
    assert value is None and reason.startswith("invalid email")


def test_phone_formats_are_one_e164_value():
    variants = ["(415) 555-2671", "415.555.2671", "+1 415 555 2671", "1-415-555-2671"]
    assert {normalize_phone(v, "US")[0] for v in variants} == {"+14155552671"}


def test_the_default_region_applies_to_national_numbers():
    assert normalize_phone("020 7946 0958", "GB")[0] == "+442079460958"


def test_junk_phones_are_not_identifiers():
    for junk in ["0000000000", "555-5555", "12"]:
        assert normalize_phone(junk, "US")[0] is None


TRICKY_EMAILS = [
    "jo.smith@gmail.com", "a@b.co", "o'brien@example.org", "first+tag@sub.domain.io", "x@localhost", "x@host",
    "a..b@gmail.com", ".a@gmail.com", "a.@gmail.com", "a@-bad.com", "a@bad-.com", "a@b.c", "a@b.123",
    "user@site.test", "user@site.invalid", "a@xn--invalid.com", "ünï@gmail.com", "a@gmäil.com", "a b@gmail.com",
    "a@b..com", "@gmail.com", "a@", "x" * 65 + "@gmail.com", "a@" + "b" * 64 + ".com", "user@[127.0.0.1]",
]


def test_the_sql_fast_path_accepts_only_what_email_validator_accepts():
    import duckdb

    from core.normalize import fast_email_sql, normalize_email

    con = duckdb.connect()
    accepted = {
        row[0]
        for row in con.sql(
            f"select v from (select unnest(?) as v) where {fast_email_sql('v')}", params=[TRICKY_EMAILS]
        ).fetchall()
    }
    assert "jo.smith@gmail.com" in accepted and "o'brien@example.org" in accepted
    for email in accepted:
        assert normalize_email(email) == (email, None), email
