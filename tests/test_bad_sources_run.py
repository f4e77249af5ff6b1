"""One bad file or one API that is down, through `cdp run`: the file is named in its
source's metadata and in cdp.rejected_rows, the API fails its own check (so the run
fails), and dbt builds every other source's data in the same run."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import dagster as dg
import pytest

from core.config import load_config
from ingestion.sample_data import generate_landing
from tests.conftest import land, make_workspace, shipped_config
from tests.landed_files import reconcile, warehouse_query

API_SOURCE = {
    "format": "rest_api",
    "api": {"base_url_env": "TEST_CONTACTS_API_URL", "path": "contacts", "data_selector": "data", "next_url_path": None,
            "cursor_field": "updated_at", "cursor_param": "updated_since", "initial_cursor": "1970-01-01T00:00:00Z"},
    "primary_key": "contact_id",
    "timestamp": "updated_at",
    "identifiers": {"contact_id": "crm_contact_id", "email": "email"},
}
CONTACTS = [
    {"contact_id": "k1", "email": "ann@mail.org", "updated_at": "2026-01-01T00:00:00Z"},
    {"contact_id": "k2", "email": "bo@mail.org", "updated_at": "2026-01-02T00:00:00Z"},
]
# No retries: a 500 is final at once (dlt retries five times, backing off, by default).
NO_RETRIES = {"RUNTIME__REQUEST_MAX_ATTEMPTS": "1"}


class ContactsApi(BaseHTTPRequestHandler):
    status = 200
    ignores_cursor = False
    asked_since: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        since = parse_qs(urlparse(self.path).query).get("updated_since", [""])[0]
        ContactsApi.asked_since.append(since)
        newer = [c for c in CONTACTS if ContactsApi.ignores_cursor or c["updated_at"] > since]
        body = json.dumps({"data": newer}).encode()
        self.send_response(ContactsApi.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body if ContactsApi.status == 200 else b'{"error": "down"}')

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ContactsApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def config_with_api() -> dict:
    config = shipped_config()
    config["sources"]["crm_api_contacts"] = API_SOURCE
    return config


def test_an_api_that_is_down_lands_nothing_keeps_its_cursor_and_stops_no_other_source(tmp_path, api_url, monkeypatch):
    monkeypatch.setenv("TEST_CONTACTS_API_URL", api_url)
    for name, value in NO_RETRIES.items():
        monkeypatch.setenv(name, value)
    workspace = make_workspace(tmp_path)
    generate_landing(workspace.landing, people_count=10, seed=3)
    config = load_config(Path(workspace.write_config(config_with_api())))
    query = warehouse_query(workspace.root / "w.duckdb")

    ContactsApi.status, ContactsApi.asked_since = 200, []
    land(workspace.root, config)
    ContactsApi.status = 500
    down = land(workspace.root, config).sources["crm_api_contacts"]
    (aside,) = down.set_aside
    assert aside.file == "api:contacts" and aside.error.startswith("the API answered 500")
    assert "updated_since" not in aside.error  # the query string (a cursor, maybe a key) is not repeated
    ContactsApi.status = 200
    CONTACTS.append({"contact_id": "k3", "email": "cy@mail.org", "updated_at": "2026-01-03T00:00:00Z"})
    try:
        back = land(workspace.root, config).sources["crm_api_contacts"]
    finally:
        CONTACTS.pop()
    # the failed fetch left the cursor where the last good one put it
    assert ContactsApi.asked_since == ["1970-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-02T00:00:00Z"]
    assert (back.landed, back.loaded) == (1, 1)
    assert query("select contact_id from raw.crm_api_contacts order by 1") == [("k1",), ("k2",), ("k3",)]
    reconcile(query, workspace.landing, config)  # every file landed once, on every run


def test_records_older_than_the_cursor_are_left_out_when_an_api_ignores_it(tmp_path, api_url, monkeypatch):
    monkeypatch.setenv("TEST_CONTACTS_API_URL", api_url)
    workspace = make_workspace(tmp_path)
    workspace.landing.mkdir()
    config = load_config(Path(workspace.write_config(config_with_api())))
    ContactsApi.status, ContactsApi.ignores_cursor = 200, True
    try:
        first = land(workspace.root, config).sources["crm_api_contacts"]
        again = land(workspace.root, config).sources["crm_api_contacts"]
    finally:
        ContactsApi.ignores_cursor = False
    # the second fetch got both contacts back; only k2, at the cursor, is kept (as dlt's incremental kept it)
    assert (first.landed, again.landed) == (2, 1)


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, api_url):
    """Sample data with a cut-off .gz and a semicolon CSV beside the good files, and an API answering 500."""
    workspace = make_workspace(tmp_path_factory.mktemp("bad_sources"))
    generate_landing(workspace.landing, people_count=20, seed=5)
    data = gzip.compress(b"".join(b'{"order_id": "z%d", "email": "z@mail.org", "total": 1, "status": "completed", '
                                  b'"created_at": "2026-01-01T00:00:00Z"}\n' % i for i in range(100)))
    (workspace.landing / "shop" / "orders_cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (workspace.landing / "crm" / "contacts_eu.csv").write_text(
        "contact_id;email;first_name;updated_at\neu1;eu1@mail.org;Eva;2026-02-01T00:00:00Z\n")
    ContactsApi.status = 500
    config_path = workspace.write_config(config_with_api())
    result = workspace.cdp("run", CDP_CONFIG=config_path, TEST_CONTACTS_API_URL=api_url, **NO_RETRIES)
    return workspace, result, load_config(Path(config_path))


def test_the_run_fails_on_the_api_check_alone(bad_run):
    _, result, _ = bad_run
    assert result.returncode == 1
    assert "FAILED CHECK: raw/crm_api_contacts:api_answered" in result.stderr
    assert "the API answered 500" in result.stderr
    failed_steps = [line for line in result.stderr.splitlines() if line.startswith("FAILED: ")]
    assert len(failed_steps) == 1 and "api_answered" in failed_steps[0], failed_steps


def test_dbt_built_every_other_source_in_the_same_run(bad_run):
    workspace, _, config = bad_run
    files = reconcile(workspace.query, workspace.landing, config)
    assert files["shop/orders_cut.jsonl.gz"][3] and files["crm/contacts_eu.csv"] == (1, 1, 0, False)
    assert workspace.scalar("select count(*) from cdp.orders") == workspace.scalar(
        "select count(distinct order_id) from raw.shop_orders") > 0
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = 'eu1@mail.org'") == 1
    assert workspace.query("select source, file, reason from cdp.rejected_rows where rejected = 'file' order by 1") == [
        ("crm_api_contacts", "api:contacts",
         f"file not read: the API answered 500 Internal Server Error for {API_HOST(workspace)}/contacts"),
        ("shop_orders", "shop/orders_cut.jsonl.gz",
         "file not read: truncated gzip file: Compressed file ended before the end-of-stream marker was reached"),
    ]


def API_HOST(workspace) -> str:  # noqa: N802
    return workspace.scalar("select regexp_extract(reason, 'http://[^/]+') from raw.rejected_files where file = 'api:contacts'")


def test_the_landing_metadata_gives_each_file_its_counts_and_why_one_was_set_aside(bad_run):
    workspace, result, _ = bad_run
    assert "WARNING: raw/shop_orders:every_file_read" in result.stderr
    with dg.DagsterInstance.from_config(str(workspace.root / "dagster_home")) as instance:
        def metadata(name: str) -> dict:
            event = instance.get_latest_materialization_event(dg.AssetKey(["raw", name]))
            return {key: value.value for key, value in event.asset_materialization.metadata.items()}

        orders, contacts = metadata("shop_orders"), metadata("crm_contacts")
    per_file = {entry["file"]: entry for entry in orders["per_file"]}
    assert per_file["shop/orders_cut.jsonl.gz"]["set_aside"].startswith("truncated gzip file")
    assert orders["files_set_aside"] == 1 and [f["file"] for f in orders["set_aside"]] == ["shop/orders_cut.jsonl.gz"]
    for entry in [*orders["per_file"], *contacts["per_file"]]:
        if "set_aside" not in entry:
            assert entry["rows_landed"] == entry["rows_loaded"] + entry["rows_rejected"] > 0
    assert contacts["rows_landed"] == sum(entry["rows_landed"] for entry in contacts["per_file"])
