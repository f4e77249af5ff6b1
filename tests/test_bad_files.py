"""A bad file is that file's problem: it is named and set aside (or its bad rows are), and
every other file and source lands in the same run, each record loaded or rejected once.

Each fault below failed the whole landing (or mangled text) before; the real dlt pipeline
lands into a real DuckDB file here, without Dagster; tests/test_bad_sources_run.py puts
them through `cdp run`."""

from __future__ import annotations

import gzip
import json

import pytest

from core.config import load_config
from core.settings import Settings
from ingestion import csv_reader, readers
from ingestion.landing import landing_source
from ingestion.landed import LandingStats
from ingestion.pipeline import landing_pipeline
from ingestion.readers import read_file
from quality.runner import validate_query
from quality.suites import LANDED
from tests.conftest import REPO, land, make_workspace
from tests.landed_files import reconcile, warehouse_query

CONTACTS = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"


def contact(contact_id: str, first_name: str = "Ann", job_title: str = "CTO", sep: str = ",") -> str:
    return sep.join([contact_id, f"{contact_id}@mail.org", "", first_name, "Lee", "Acme", job_title, "lead",
                     "2026-01-01T00:00:00Z"]) + "\n"


def order(order_id: str) -> str:
    return json.dumps({"order_id": order_id, "email": f"{order_id}@mail.org", "total": 9.5, "status": "completed",
                       "created_at": "2026-01-02T00:00:00Z"}) + "\n"


def event(message_id: str, **fields) -> str:
    return json.dumps({"messageId": message_id, "type": "identify", "userId": f"u-{message_id}",
                       "timestamp": "2026-01-03T00:00:00Z", "traits": {"email": f"{message_id}@mail.org"}, **fields},
                      ensure_ascii=False) + "\n"


def truncated_gzip(text: str) -> bytes:
    data = gzip.compress(text.encode())
    return data[: len(data) * 2 // 3]


@pytest.fixture
def workspace(tmp_path):
    """Good files of three sources; each test adds its bad one."""
    workspace = make_workspace(tmp_path)
    for folder in ("crm", "shop", "events"):
        (workspace.landing / folder).mkdir(parents=True)
    (workspace.landing / "crm" / "contacts.csv").write_text(CONTACTS + contact("c1") + contact("c2"))
    (workspace.landing / "shop" / "orders.jsonl").write_text(order("o1") + order("o2"))
    (workspace.landing / "events" / "events.jsonl").write_text(event("m1") + event("m2"))
    return workspace


def land_and_reconcile(workspace, config=None):
    """Land with the real pipeline; returns its stats, each file's reconciliation, and a query function."""
    config = config or load_config(REPO / "cdp.yml")
    stats = land(workspace.root, config)
    sql = warehouse_query(workspace.root / "w.duckdb")
    return stats, reconcile(sql, workspace.landing, config), sql


def assert_good_files_landed(files: dict):
    assert files["crm/contacts.csv"] == (2, 2, 0, False)
    assert files["shop/orders.jsonl"] == (2, 2, 0, False)
    assert files["events/events.jsonl"] == (2, 2, 0, False)


def test_a_truncated_gzip_is_set_aside_and_every_other_file_lands(workspace):
    (workspace.landing / "shop" / "orders_cut.jsonl.gz").write_bytes(truncated_gzip("".join(order(f"x{i}") for i in range(200))))
    stats, files, sql = land_and_reconcile(workspace)
    assert_good_files_landed(files)
    assert files["shop/orders_cut.jsonl.gz"][3]  # set aside, none of it loaded
    (aside,) = stats.sources["shop_orders"].set_aside
    assert aside.file == "shop/orders_cut.jsonl.gz" and aside.error.startswith("truncated gzip file")
    assert sql("select source, file, line, byte_offset, reason like 'truncated gzip file%' from raw.rejected_files") == [
        ("shop_orders", "shop/orders_cut.jsonl.gz", 1, 0, True)]


def test_a_file_that_fails_midway_is_taken_back_whole(workspace, monkeypatch):
    # small blocks: the file's first chunks reach dlt before the cut-off end is read
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)
    (workspace.landing / "events" / "events_cut.jsonl.gz").write_bytes(truncated_gzip("".join(event(f"x{i}") for i in range(600))))
    stats, files, sql = land_and_reconcile(workspace)
    assert_good_files_landed(files)
    (aside,) = stats.sources["events"].set_aside
    assert aside.landed > 0 and aside.line > 1  # rows had been handed over, and were taken back
    assert sql("select rows_withdrawn > 0, withdrawn_at is not null from raw.rejected_files") == [(True, True)]
    for table in ("events", "identifiers", "traits"):
        assert sql(f"select count(*) from raw.{table} where _cdp_file = 'events/events_cut.jsonl.gz'") == [(0,)]


def test_rows_of_a_file_set_aside_are_taken_back_after_a_run_that_stopped_right_after_its_load(workspace, monkeypatch):
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)
    (workspace.landing / "events" / "events_cut.jsonl.gz").write_bytes(truncated_gzip("".join(event(f"x{i}") for i in range(600))))
    config = load_config(REPO / "cdp.yml")
    settings = Settings(warehouse=workspace.root / "w.duckdb", landing_dir=workspace.landing, config_path=REPO / "cdp.yml")
    landing_pipeline(settings).run(landing_source(config, settings.landing_dir, LandingStats()))  # no take-back
    landed = warehouse_query(workspace.root / "w.duckdb")("select count(*) from raw.events where _cdp_file = 'events/events_cut.jsonl.gz'")
    assert landed[0][0] > 0
    stats, files, sql = land_and_reconcile(workspace, config)  # the next run starts by taking them back
    assert files["events/events_cut.jsonl.gz"][3]
    assert sql("select count(*) from raw.events where _cdp_file = 'events/events_cut.jsonl.gz'") == [(0,)]


def test_a_file_set_aside_is_read_again_only_once_it_changes(workspace):
    cut = workspace.landing / "shop" / "orders_cut.jsonl.gz"
    cut.write_bytes(truncated_gzip("".join(order(f"x{i}") for i in range(200))))
    land_and_reconcile(workspace)
    stats, _, sql = land_and_reconcile(workspace)
    assert stats.sources["shop_orders"].per_file == {}  # unchanged: not read again
    cut.write_bytes(gzip.compress("".join(order(f"x{i}") for i in range(200)).encode()))  # the complete upload
    stats, files, sql = land_and_reconcile(workspace)
    assert files["shop/orders_cut.jsonl.gz"] == (200, 200, 0, False)
    assert sql("select count(*) from raw.rejected_files") == [(1,)]  # the first attempt stays on record


def test_a_csv_field_over_200_kb_loads(workspace):
    note = "x" * 250_000
    (workspace.landing / "crm" / "contacts_long.csv").write_text(CONTACTS + contact("c3", job_title=note) + contact("c4"))
    _, files, sql = land_and_reconcile(workspace)
    assert_good_files_landed(files)
    assert files["crm/contacts_long.csv"] == (2, 2, 0, False)
    assert sql("select length(job_title) from raw.crm_contacts where contact_id = 'c3'") == [(250_000,)]


def test_a_field_over_the_limit_rejects_its_row_and_the_file_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "MAX_FIELD_CHARS", 1000)
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACTS + contact("c1", job_title="x" * 2000) + contact("c2"))
    rows = [row for chunk in read_file(path, "csv") for row in chunk.to_pylist()]
    assert [(row["_cdp_line"], row["contact_id"], row["_cdp_error"]) for row in rows] == [
        (2, None, "unreadable CSV row: field larger than field limit (1000)"),
        (3, "c2", None),
    ]


def test_semicolon_and_tab_separated_csv_are_read_by_their_header(workspace):
    (workspace.landing / "crm" / "contacts_eu.csv").write_text(CONTACTS.replace(",", ";") + contact("c3", sep=";"))
    (workspace.landing / "crm" / "contacts_tab.csv").write_text(CONTACTS.replace(",", "\t") + contact("c4", sep="\t"))
    _, files, sql = land_and_reconcile(workspace)
    assert_good_files_landed(files)
    assert files["crm/contacts_eu.csv"] == (1, 1, 0, False)
    assert files["crm/contacts_tab.csv"] == (1, 1, 0, False)
    assert sql("select contact_id, email, first_name from raw.crm_contacts where contact_id in ('c3', 'c4') order by 1") == [
        ("c3", "c3@mail.org", "Ann"), ("c4", "c4@mail.org", "Ann")]


def test_a_latin_1_file_with_its_encoding_declared_keeps_its_names(workspace):
    config = load_config(REPO / "cdp.yml")
    config.sources["crm_contacts"].encoding = "latin-1"
    (workspace.landing / "crm" / "contacts_fr.csv").write_bytes((CONTACTS + contact("c3", first_name="Jos\u00e9")).encode("latin-1"))
    _, files, sql = land_and_reconcile(workspace, config)
    assert files["crm/contacts_fr.csv"] == (1, 1, 0, False)
    assert sql("select first_name from raw.crm_contacts where contact_id = 'c3'") == [("Jos\u00e9",)]
    assert sql("select value from raw.traits where trait = 'first_name' and record_key = 'c3'") == [("Jos\u00e9",)]


def test_bytes_that_are_not_utf_8_reject_their_rows_and_are_never_replaced(workspace):
    (workspace.landing / "crm" / "contacts_fr.csv").write_bytes(
        (CONTACTS + contact("c3", first_name="Jos\u00e9") + contact("c4")).encode("latin-1"))
    (workspace.landing / "events" / "events_fr.jsonl").write_bytes(
        event("m3").encode() + event("m4", name="Jos\u00e9").encode("latin-1"))
    _, files, sql = land_and_reconcile(workspace)
    assert_good_files_landed(files)
    assert files["crm/contacts_fr.csv"] == (2, 1, 1, False)
    assert files["events/events_fr.jsonl"] == (2, 1, 1, False)
    assert sql("select file, line, reason, raw_record like '%Jos\\xe9%' from raw.rejected_rows order by file") == [
        ("crm/contacts_fr.csv", 2, "not valid utf-8 text: byte 0xe9 in column first_name", True),
        ("events/events_fr.jsonl", 2, "not valid utf-8 text: byte 0xe9", True),
    ]
    replaced = "\ufffd"
    assert sql(f"select count(*) from raw.crm_contacts where first_name like '%{replaced}%'") == [(0,)]
    assert sql(f"select count(*) from raw.traits where value like '%{replaced}%'") == [(0,)]


def test_a_landed_data_check_names_the_file_of_a_bad_row(workspace):
    (workspace.landing / "shop" / "orders_neg.jsonl").write_text(order("o3").replace("9.5", "-1"))
    land_and_reconcile(workspace)
    suite = next(s for s in LANDED if s.asset == ["raw", "shop_orders"])
    outcome = validate_query(workspace.root / "w.duckdb", suite.name, suite.sql, suite.expectations, suite.shown)
    (failure,) = outcome.failures()
    assert failure.sample[0]["_cdp_file"] == "shop/orders_neg.jsonl" and failure.sample[0]["_cdp_line"] == 1
