"""Destinations: each run sends only what changed, hashed where asked, never without
consent, to files and to an HTTP endpoint that fails and is retried."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
import yaml

from core.config import ConfigError, parse_config
from tests.conftest import make_workspace, shipped_config

TOKEN = "hook-token"
DESTINATIONS = {
    "ads": {"type": "parquet", "segments": ["high_value"], "fields": ["email", "lifetime_value"],
            "hash": ["email"], "consent": "email_consent"},
    "audit": {"type": "csv", "segments": ["high_value"], "fields": ["email", "lifetime_value"]},
    "hook": {"type": "http", "segments": ["high_value"], "fields": ["email"], "url_env": "TEST_HOOK_URL",
             "token_env": "TEST_HOOK_TOKEN", "batch_size": 1},
    "crm": {"type": "csv", "rows": "crm_contacts", "fields": ["profile_id", "lifetime_value", "segments"]},
}


class Hook(BaseHTTPRequestHandler):
    failures_left = 0
    received: list[dict] = []  # every POST that was accepted
    attempts: list[dict] = []  # every POST, accepted or not

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Hook.attempts.append(body)
        ok = self.headers.get("Authorization") == f"Bearer {TOKEN}" and Hook.failures_left == 0
        Hook.failures_left = max(0, Hook.failures_left - 1)
        if ok:
            Hook.received.append(body)
        self.send_response(200 if ok else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_url():
    Hook.failures_left, Hook.received, Hook.attempts = 0, [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/audience"
    server.shutdown()


def write(workspace, path: str, text: str) -> None:
    target = workspace.landing / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def order(order_id: str, email: str, total: float, day: str) -> str:
    return json.dumps({"order_id": order_id, "email": email, "total": total, "currency": "USD",
                       "created_at": f"2026-11-{day}T10:00:00Z", "status": "completed"}) + "\n"


def changes(export_dir: Path, destination: str, key: str) -> list[set[tuple]]:
    """Each send's changes as {(action, key)}, oldest first."""
    files = sorted((export_dir / destination / "changes").glob("*.*"))
    sends = []
    for path in files:
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
        rows = duckdb.sql(f"select action, {key} from {reader}('{path}')").fetchall()
        sends.append(set(rows))
    return sends


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_each_run_sends_what_changed_with_hashing_consent_and_retries(tmp_path, hook_url):
    workspace = make_workspace(tmp_path)
    config = shipped_config()
    config["destinations"] = DESTINATIONS
    export_dir = tmp_path / "exports"
    env = {"CDP_CONFIG": workspace.write_config(config), "CDP_EXPORT_DIR": str(export_dir),
           "TEST_HOOK_URL": hook_url, "TEST_HOOK_TOKEN": TOKEN}

    write(workspace, "crm/contacts.csv",
          "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
          "c1,ann@mail.org,,Ann,A,,,customer,2026-01-01T00:00:00Z\n"
          "c2,bob@mail.org,,Bob,B,,,customer,2026-01-01T00:00:00Z\n"
          "c3,cat@mail.org,,Cat,C,,,lead,2026-01-01T00:00:00Z\n")
    write(workspace, "shop/orders_1.jsonl",
          order("o1", "ann@mail.org", 600, "01") + order("o2", "bob@mail.org", 700, "01") + order("o3", "cat@mail.org", 50, "01"))
    write(workspace, "email/events_1.csv", "email,campaign_id,event,ts\nbob@mail.org,k1,unsubscribe,2026-11-02T00:00:00Z\n")
    Hook.failures_left = 1  # the first POST fails: the retry must deliver it
    run = workspace.cdp("run", **env)
    assert run.returncode == 0, run.stdout + run.stderr

    # bob unsubscribed: never in the consented ads audience, but in the audit file
    assert changes(export_dir, "ads", "email_sha256") == [{("added", sha256("ann@mail.org"))}]
    assert changes(export_dir, "audit", "email") == [{("added", "ann@mail.org"), ("added", "bob@mail.org")}]
    assert len(Hook.attempts) == 3 and len(Hook.received) == 2  # batch_size 1, one retried
    assert sorted(b["rows"][0]["email"] for b in Hook.received) == ["ann@mail.org", "bob@mail.org"]
    assert changes(export_dir, "crm", "crm_contact_id") == [{("added", "c1"), ("added", "c2"), ("added", "c3")}]
    crm_rows = duckdb.sql(f"select crm_contact_id, segments from read_csv('{export_dir}/crm/members/*.csv')").fetchall()
    assert sorted(crm_rows, key=lambda r: r[0]) == [("c1", "high_value"), ("c2", "high_value"), ("c3", None)]

    # day 2: cat becomes high value, ann unsubscribes, bob's value grows; the endpoint is down
    write(workspace, "shop/orders_2.jsonl", order("o4", "cat@mail.org", 500, "03") + order("o5", "bob@mail.org", 100, "03"))
    write(workspace, "email/events_2.csv", "email,campaign_id,event,ts\nann@mail.org,k2,unsubscribe,2026-11-03T00:00:00Z\n")
    Hook.failures_left = 1000
    failed = workspace.cdp("run", **env)
    assert failed.returncode == 1
    assert "destination hook: the send failed" in failed.stdout + failed.stderr
    failed_attempt = {row["change_id"] for body in Hook.attempts[3:] for row in body["rows"]}

    assert changes(export_dir, "ads", "email_sha256")[1] == {("removed", sha256("ann@mail.org")), ("added", sha256("cat@mail.org"))}
    assert changes(export_dir, "audit", "email")[1] == {("added", "cat@mail.org"), ("updated", "bob@mail.org")}
    assert changes(export_dir, "crm", "crm_contact_id")[1] == {("updated", "c2"), ("updated", "c3")}

    # the endpoint is back: the next run sends the same change, with the same change_id
    Hook.failures_left, Hook.received = 0, []
    assert workspace.cdp("run", **env).returncode == 0
    assert [row["email"] for body in Hook.received for row in body["rows"]] == ["cat@mail.org"]
    assert {row["change_id"] for body in Hook.received for row in body["rows"]} == failed_attempt

    # nothing new: nothing is sent anywhere
    assert workspace.cdp("run", **env).returncode == 0
    assert len(Hook.received) == 1
    assert [len(changes(export_dir, name, "action")) for name in ("ads", "audit", "crm")] == [2, 2, 2]
    assert workspace.query(
        "select destination, count(*) from activation.sync_log group by destination order by destination"
    ) == [("ads", 4), ("audit", 4), ("crm", 4), ("hook", 3)]


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ({"type": "csv", "segments": ["nope"]}, "destinations.d.segments: unknown segment 'nope'"),
        ({"type": "csv", "segments": ["high_value"], "fields": ["emial"]}, "destinations.d.fields: unknown column 'emial'"),
        ({"type": "csv", "segments": ["high_value"], "fields": ["email"], "hash": ["phone"]}, "hash: 'phone' is not in fields"),
        ({"type": "csv", "segments": ["high_value"], "fields": ["order_count"], "hash": ["order_count"]}, "'order_count' is not text"),
        ({"type": "csv", "segments": ["high_value"], "consent": "email"}, "'email' is not a boolean column"),
        ({"type": "http", "segments": ["high_value"]}, "type http and url_env go together"),
        ({"type": "csv", "rows": "crm_contacts", "segments": ["high_value"]}, "rows crm_contacts takes none"),
    ],
)
def test_a_bad_destination_is_a_clear_error(destination, message):
    config = shipped_config()
    config["destinations"] = {"d": destination}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        parse_config(yaml.safe_dump(config))


def csv_cells(folder: Path) -> list[dict[str, str]]:
    """Every row of a destination folder's CSV files, as the text a spreadsheet would get."""
    import csv

    rows = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def test_csv_exports_neutralise_spreadsheet_formulas_and_keep_numbers(tmp_path):
    """OWASP CSV injection: a text cell starting with = + - @ tab or CR gets a leading '."""
    workspace = make_workspace(tmp_path)
    config = shipped_config()
    config["destinations"] = {
        "crm": {"type": "csv", "rows": "crm_contacts", "fields": ["first_name", "last_name", "lifecycle_stage", "lifetime_value"]},
        "calls": {"type": "csv", "segments": ["high_value"], "fields": ["phone", "first_name", "lifetime_value"]},
        "ads": {"type": "parquet", "segments": ["high_value"], "fields": ["first_name"]},
    }
    export_dir = tmp_path / "exports"
    write(workspace, "crm/contacts.csv",
          "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
          'c1,ann@mail.org,+1 415 555 0100,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1),,,-2+3,2026-01-01T00:00:00Z\n'
          "c2,bob@mail.org,,Bob,O'Neil,,,customer,2026-01-01T00:00:00Z\n")
    write(workspace, "shop/orders_1.jsonl", order("o1", "ann@mail.org", 600, "01") + order("o2", "bob@mail.org", 20, "01"))
    run = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config), CDP_EXPORT_DIR=str(export_dir))
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]

    crm = {row["crm_contact_id"]: row for row in csv_cells(export_dir / "crm" / "members")}
    assert crm["c1"]["first_name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert crm["c1"]["last_name"] == "'@SUM(A1)"
    assert crm["c1"]["lifecycle_stage"] == "'-2+3"
    assert crm["c2"]["last_name"] == "O'Neil"  # a quote elsewhere is left alone
    assert [float(crm[c]["lifetime_value"]) for c in ("c1", "c2")] == [600.0, 20.0]  # numbers stay numbers
    assert {row["action"] for row in csv_cells(export_dir / "crm" / "changes")} == {"added"}
    (call,) = csv_cells(export_dir / "calls" / "members")
    assert (call["phone"], float(call["lifetime_value"])) == ("'+14155550100", 600.0)
    # typed as numbers by a CSV reader, too
    assert duckdb.sql(f"select typeof(lifetime_value) from read_csv('{export_dir}/calls/members/*.csv')").fetchall() == [("DOUBLE",)]
    # Parquet is typed: no spreadsheet reads it as formulas, and values stay as they are
    assert duckdb.sql(f"select first_name from read_parquet('{export_dir}/ads/members/*.parquet')").fetchall() == [
        ('=HYPERLINK("http://evil.example","x")',)]
