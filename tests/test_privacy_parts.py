"""The parts of forgetting that need no pipeline: the keyed hash in SQL and in Python, the
key, requests as written, landing's suppression in the parser, export files rewritten."""

from __future__ import annotations

import stat
from datetime import datetime

import duckdb
import pyarrow as pa
import pytest

from core.config import load_config
from core.privacy import (SUPPRESSION_COLUMNS, PrivacyKeyError, SuppressionList, install_keyed_hash,
                          keyed_hash, keyed_hash_sql, load_key)
from ingestion.parse import ChunkParser
from ingestion.readers import read_file
from privacy.files import _records, _scrub_csv
from privacy.requests import Given, make_request, read_csv_requests
from tests.conftest import REPO

CONFIG = load_config(REPO / "cdp.yml")


@pytest.mark.parametrize("key", [b"sixteen-chars-ok", b"k" * 100], ids=["short_key", "key_longer_than_a_block"])
def test_the_keyed_hash_in_duckdb_is_hmac_sha256(key):
    con = duckdb.connect()
    install_keyed_hash(con, key)
    value = "ann.o'neil@mail.org"
    assert con.sql(f"select {keyed_hash_sql(repr('email'), '$v')}", params={"v": value}).fetchall()[0][0] == \
        keyed_hash(key, "email", value)


def test_a_key_is_made_once_readable_by_its_owner_alone(tmp_path):
    first = load_key(tmp_path, environ={})
    assert load_key(tmp_path, environ={}) == first
    assert stat.S_IMODE((tmp_path / "privacy.key").stat().st_mode) == 0o600
    assert load_key(tmp_path, environ={"CDP_PRIVACY_KEY": "from-the-secret-store"}) == b"from-the-secret-store"
    with pytest.raises(PrivacyKeyError, match="shorter than 16"):
        load_key(tmp_path, environ={"CDP_PRIVACY_KEY": "short"})


def test_a_request_is_normalised_hashed_and_its_reason_masked():
    key = b"0123456789abcdef"
    request = make_request(CONFIG.identity, key, "forget", Given("email", " Ann@Mail.ORG ", "from ann@mail.org, ticket 9"))
    assert request.error is None and request.identifier_hash == keyed_hash(key, "email", "ann@mail.org")
    assert request.reason == "from …, ticket 9"
    phone = make_request(CONFIG.identity, key, "forget", Given("phone", "(212) 736-5000"))
    assert phone.identifier_hash == keyed_hash(key, "phone", "+12127365000")
    assert make_request(CONFIG.identity, key, "forget", Given("fax", "1")).error.startswith("unknown identifier type 'fax'")
    assert make_request(CONFIG.identity, key, "forget", Given("phone", "12")).error.startswith("invalid phone")


def test_a_csv_of_requests_skips_its_header_and_names_each_bad_row():
    given = read_csv_requests("type,value,reason\nemail,a@b.org,t1\n\nuser_id,u1\nemail\n", "file r.csv")
    assert [(g.identifier_type, g.value, g.reason, g.origin, g.error) for g in given] == [
        ("email", "a@b.org", "t1", "file r.csv:2", None),
        ("user_id", "u1", "", "file r.csv:4", None),
        ("", "", "", "file r.csv:5", "expected type,value[,reason]: found 1 fields"),
    ]


def test_landing_drops_records_of_suppressed_identifiers_and_keeps_no_text_of_them(tmp_path):
    key = b"0123456789abcdef"
    path = tmp_path / "members.csv"
    path.write_text("loyalty_id,email,phone\nL1,ANN@mail.org,\nL2,bo@mail.org,\nL3,cy@mail.org,(212) 736-5000\n"
                    "L4,broken\n")
    hashes = pa.table({"identifier_type": ["email", "phone"], "request_id": ["pr_1", "pr_2"],
                       "identifier_hash": [keyed_hash(key, "email", "ann@mail.org"), keyed_hash(key, "phone", "+12127365000")]})
    source = CONFIG.sources["pos_loyalty_members"]
    parser = ChunkParser("pos_loyalty_members", source, CONFIG.identity,
                         SuppressionList(key, hashes.select(SUPPRESSION_COLUMNS.names).cast(SUPPRESSION_COLUMNS)))
    (chunk,) = read_file(path, "csv", columns=tuple(source.typed_columns()))
    parsed = parser.parse(chunk, datetime(2026, 1, 1))
    assert parsed.records.column("loyalty_id").to_pylist() == ["L2"]
    assert sorted(parsed.rejected.select(["line", "raw_record", "reason"]).to_pylist(), key=lambda r: r["line"]) == [
        {"line": 2, "raw_record": None, "reason": "suppressed (privacy request pr_1)"},
        {"line": 4, "raw_record": None, "reason": "suppressed (privacy request pr_2)"},
        {"line": 5, "raw_record": '["L4", "broken"]', "reason": "malformed CSV row: expected 3 fields, found 2"},
    ]
    assert parsed.suppressed == 2
    assert set(parsed.identifiers.column("record_key").to_pylist()) == {"L2"}


def test_an_export_file_loses_the_person_rows_and_keeps_every_other_byte(tmp_path):
    path = tmp_path / "members.csv"
    text = ('"segment","profile_id","email","note"\r\n"vip","prf_a","ann@mail.org","x"\r\n'
            '"vip","prf_b","bo@mail.org","two\nlines"\r\n"vip","prf_c","Cy@Mail.org",\r\n')
    path.write_bytes(text.encode())
    assert len(_records(text)) == 4
    assert _scrub_csv(path, {"prf_a", "cy@mail.org"}) == 2
    assert path.read_bytes() == b'"segment","profile_id","email","note"\r\n"vip","prf_b","bo@mail.org","two\nlines"\r\n'
