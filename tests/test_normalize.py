"""Identifier normalisation per the contract: emails trimmed and lower-cased, phones E.164."""

from ingestion.normalize import normalize_email, normalize_phone


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
