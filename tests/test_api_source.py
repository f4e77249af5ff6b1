"""A CRM contacts REST API read with dlt's rest_api source: pagination, bearer token,
and an incremental `updated_since` cursor that survives a new pipeline object."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from core.config import parse_config
from tests.conftest import REPO, land

CONTACTS = [
    {"contact_id": "k1", "email": "Ann@Mail.org", "first_name": "Ann", "updated_at": "2026-01-01T00:00:00Z"},
    {"contact_id": "k2", "email": "bo@mail.org", "first_name": "Bo", "updated_at": "2026-01-02T00:00:00Z"},
    {"contact_id": "k3", "email": "not-an-email", "first_name": "Cy", "updated_at": "2026-01-03T00:00:00Z"},
    {"contact_id": None, "email": "dee@mail.org", "first_name": "Dee", "updated_at": "2026-01-03T12:00:00Z"},
]
PAGE_SIZE = 2
TOKEN = "s3cret"


class CrmApi(BaseHTTPRequestHandler):
    contacts: list[dict] = []
    requests: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        CrmApi.requests.append({"path": url.path, **query, "auth": self.headers.get("Authorization")})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            self.end_headers()
            return
        since = query.get("updated_since", "")
        matching = [c for c in CrmApi.contacts if c["updated_at"] > since]
        page = int(query.get("page", "1"))
        items = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        more = page * PAGE_SIZE < len(matching)
        host, port = self.server.server_address
        next_url = f"http://{host}:{port}/contacts?updated_since={since}&page={page + 1}" if more else None
        body = json.dumps({"data": items, "next": next_url}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def api_server():
    CrmApi.contacts = list(CONTACTS)
    CrmApi.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CrmApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def api_config(identity_yaml: str):
    return parse_config(
        """
sources:
  crm_api_contacts:
    format: rest_api
    api:
      base_url_env: TEST_CRM_API_URL
      token_env: TEST_CRM_API_TOKEN
      path: contacts
      data_selector: data
      next_url_path: next
      cursor_field: updated_at
      cursor_param: updated_since
      initial_cursor: "1970-01-01T00:00:00Z"
    primary_key: contact_id
    timestamp: updated_at
    identifiers: {contact_id: crm_contact_id, email: email}
    traits: [first_name]
"""
        + identity_yaml
    )


@pytest.fixture
def identity_yaml():
    # Only the shipped identity rules: traits and segments name the default sources.
    text = (REPO / "cdp.yml").read_text()
    return text[text.index("identity:"):text.index("\ntraits:")]


def land_api(tmp_path, config):
    return land(tmp_path, config).sources["crm_api_contacts"]


def rows(tmp_path, sql):
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_pages_through_the_api_and_checks_each_record(tmp_path, api_server, identity_yaml, monkeypatch):
    monkeypatch.setenv("TEST_CRM_API_URL", api_server)
    monkeypatch.setenv("TEST_CRM_API_TOKEN", TOKEN)
    counts = land_api(tmp_path, api_config(identity_yaml))
    assert (counts.landed, counts.loaded, counts.rejected) == (4, 3, 1)
    assert {r["page"] for r in CrmApi.requests if "page" in r} == {"2"}  # page 1 has no page parameter
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in CrmApi.requests)
    assert rows(tmp_path, "select contact_id from raw.crm_api_contacts order by 1") == [("k1",), ("k2",), ("k3",)]
    assert rows(tmp_path, "select reason from raw.rejected_rows") == [("missing contact_id",)]
    emails = rows(tmp_path, "select identifier_value, invalid_reason is null from raw.identifiers where identifier_type = 'email' order by 1 nulls last")
    assert emails[:2] == [("ann@mail.org", True), ("bo@mail.org", True)]
    assert emails[2][0] is None  # not-an-email is kept as an observation, not an identifier


def test_a_second_run_asks_only_for_what_changed_since_the_cursor(tmp_path, api_server, identity_yaml, monkeypatch):
    monkeypatch.setenv("TEST_CRM_API_URL", api_server)
    monkeypatch.setenv("TEST_CRM_API_TOKEN", TOKEN)
    land_api(tmp_path, api_config(identity_yaml))
    CrmApi.requests = []
    CrmApi.contacts.append({"contact_id": "k1", "email": "ann@mail.org", "first_name": "Annie", "updated_at": "2026-02-01T00:00:00Z"})
    counts = land_api(tmp_path, api_config(identity_yaml))  # a new pipeline object: state comes from disk
    assert CrmApi.requests[0]["updated_since"].startswith("2026-01-03T12:00:00")
    assert (counts.landed, counts.loaded) == (1, 1)
    assert rows(tmp_path, "select first_name from raw.crm_api_contacts where contact_id = 'k1' order by updated_at") == [("Ann",), ("Annie",)]


def test_a_missing_token_is_a_clear_error(tmp_path, api_server, identity_yaml, monkeypatch):
    monkeypatch.setenv("TEST_CRM_API_URL", api_server)
    monkeypatch.delenv("TEST_CRM_API_TOKEN", raising=False)
    with pytest.raises(ValueError, match="TEST_CRM_API_TOKEN"):
        land_api(tmp_path, api_config(identity_yaml))
