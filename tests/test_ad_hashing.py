"""Ad platform destinations send email and phone hashed as each platform normalises them:
Meta's documented examples (email trimmed and lower-cased; phone digits with the country
code, no `+`) and Google's (E.164, with the `+`), on a real run's export."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from activation.ad_platforms import hashed_sql
from core.config import ConfigError, parse_config
from tests.conftest import make_workspace, shipped_config

# Meta's Conversions API customer information parameters: its own examples and hashes
META_EMAIL = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"  # john_smith@gmail.com
META_PHONE = "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"  # 16505551212
# Google Customer Match: the same number in E.164, +16505551212
GOOGLE_PHONE = "1e231c66011e7a2d867a9cfae267a6aff103cf4913640b6e71a99850fc0ffbc8"


def hashed(platform: str, field: str, value: str | None) -> str | None:
    with duckdb.connect() as con:
        return con.sql(f"select {hashed_sql(platform, field, '$value')}", params={"value": value}).fetchall()[0][0]


@pytest.mark.parametrize(("platform", "field", "given", "expected"), [
    ("meta", "email", "  John_Smith@gmail.com ", META_EMAIL),
    ("google", "email", "John_Smith@GMAIL.com", META_EMAIL),  # the same normalisation for email
    ("meta", "phone", "+1 (650) 555-1212", META_PHONE),
    ("meta", "phone", "001 650 555 1212", META_PHONE),  # an international prefix's zeros go
    ("google", "phone", "+1 (650) 555-1212", GOOGLE_PHONE),
    ("google", "phone", "+16505551212", GOOGLE_PHONE),
    ("meta", "phone", None, None),
    ("google", "phone", "", None),  # nothing to match on: no hash of the empty string
])
def test_each_platform_hashes_its_documented_normal_form(platform, field, given, expected):
    assert hashed(platform, field, given) == expected


def test_a_gmail_address_keeps_its_dots():
    assert hashed("google", "email", "John.Smith@gmail.com") != hashed("google", "email", "johnsmith@gmail.com")


def test_an_export_to_meta_and_google_carries_their_hashes_and_no_plain_contact(tmp_path):
    workspace = make_workspace(tmp_path)
    config = shipped_config()
    config["segments"] = {"known": {"description": "Everyone with an email.", "where": {"trait": "email", "op": "not_null"}}}
    config["destinations"] = {
        name: {"type": "parquet", "segments": ["known"], "fields": ["email", "phone", "lifetime_value"], "platform": name}
        for name in ("meta", "google")
    }
    exports = tmp_path / "exports"
    env = {"CDP_CONFIG": workspace.write_config(config), "CDP_EXPORT_DIR": str(exports)}
    crm = workspace.landing / "crm" / "contacts.csv"
    crm.parent.mkdir(parents=True)
    crm.write_text("contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
                   "c1, John_Smith@Gmail.com ,(650) 555-1212,John,Smith,,,customer,2026-01-01T00:00:00Z\n")
    run = workspace.cdp("run", **env)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    def sent(name: str) -> tuple[list[str], list[tuple]]:
        relation = duckdb.sql(f"select * exclude (segment, profile_id) from read_parquet('{exports}/{name}/members/*.parquet')")
        return relation.columns, relation.fetchall()

    meta_columns, meta_rows = sent("meta")
    assert [c for c in meta_columns if not c.startswith("_dlt")] == ["email_sha256", "phone_sha256", "lifetime_value"]
    assert [row[:2] for row in meta_rows] == [(META_EMAIL, META_PHONE)]
    _, google_rows = sent("google")
    assert [row[:2] for row in google_rows] == [(META_EMAIL, GOOGLE_PHONE)]


def test_a_platform_destination_needs_a_contact_field():
    config = shipped_config()
    config["destinations"] = {"ads": {"type": "csv", "segments": ["high_value"], "fields": ["lifetime_value"],
                                      "platform": "meta"}}
    with pytest.raises(ConfigError, match="destinations.ads: platform meta matches people on email and phone"):
        parse_config(yaml.safe_dump(config))
