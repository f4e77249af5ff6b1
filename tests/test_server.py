"""`cdp serve` end to end: Segment's own client and raw HTTP in, one real run, profiles out."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pytest
from segment.analytics import Client

from tests.conftest import Workspace, make_workspace, shipped_config
from tests.server_process import READ_KEY, WRITE_KEY, Server, start_server

ADA_EMAIL = " Ada@Lovelace.io"  # landing normalises it to ada@lovelace.io; so does the profile API

# every single call, by its long path and by analytics.js's short one
RAW_CALLS = {
    "identify": {"userId": "u-grace", "traits": {"email": "grace@hopper.dev", "company": "Navy"}},
    "track": {"userId": "u-grace", "event": "Compiled"},
    "page": {"userId": "u-grace", "name": "Docs", "properties": {"path": "/docs"}},
    "screen": {"userId": "u-grace", "name": "Settings"},
    "group": {"userId": "u-grace", "groupId": "g-navy", "traits": {"name": "Navy"}},
    "alias": {"previousId": "anon-grace", "userId": "u-grace"},
}
SHORT = {"identify": "i", "track": "t", "page": "p", "screen": "s", "group": "g", "alias": "a"}

# cdp.yml's computed traits over the events sent below, and a source declared in cdp.yml
# alone whose traits cdp.profiles has no column for: all columns of cdp.profile_computed_traits
COMPUTED_TRAITS = {
    "signups": {"source": "events", "event": "Signed Up", "aggregate": "count"},
    "signed_up_plan": {"source": "events", "event": "Signed Up", "aggregate": "last", "of": "plan"},
    "last_signup_at": {"source": "events", "event": "Signed Up", "aggregate": "max"},
}
NEWSLETTER = {
    "description": "Newsletter sign-ups",
    "files": "newsletter/signups*.csv",
    "format": "csv",
    "primary_key": "signup_id",
    "timestamp": "signed_up_at",
    "identifiers": {"email": "email"},
    "traits": ["favourite_store", "age"],
    "columns": {"age": "integer"},
}
SEGMENT_API = "/v1/spaces/spa_test/collections/users/profiles"


@dataclass
class Collected:
    workspace: Workspace
    config_path: str
    answers: dict
    log: str


def _send_everything(server: Server) -> dict:
    answers: dict = {}
    errors: list = []
    client = Client(WRITE_KEY, host=server.url, gzip=True, max_retries=2, upload_interval=0.05,
                    on_error=lambda error, batch: errors.append(str(error)))
    client.identify("u-ada", {"email": ADA_EMAIL, "firstName": "Ada", "lastName": "Lovelace", "company": "Acme"},
                    anonymous_id="anon-ada", message_id="sdk-identify")
    client.track("u-ada", "Signed Up", {"plan": "pro"}, message_id="sdk-track")
    client.page("u-ada", name="Pricing", properties={"path": "/pricing"}, message_id="sdk-page")
    client.screen("u-ada", name="Home", message_id="sdk-screen")
    client.group("u-ada", "g-acme", {"name": "Acme Inc"}, message_id="sdk-group")
    client.alias("anon-ada-phone", "u-ada", message_id="sdk-alias")
    client.shutdown()
    answers["sdk_errors"] = errors

    for call, body in RAW_CALLS.items():
        answers[call] = server.post(f"/v1/{call}", {**body, "messageId": f"raw-{call}"}).status_code
        answers[SHORT[call]] = server.post(f"/v1/{SHORT[call]}", {**body, "messageId": f"short-{call}"}).status_code
    batch = {"batch": [{"type": "page", "anonymousId": "anon-cart", "name": "Cart", "properties": {"path": "/cart"},
                        "messageId": "raw-batch-cart"},
                       {"type": "track", "userId": "u-grace", "event": "Batched", "messageId": "raw-batch-track"}],
             "context": {"library": {"name": "curl"}}}
    answers["gzip_batch"] = server.post("/v1/batch", gzip.compress(json.dumps(batch).encode()), **{"Content-Encoding": "gzip"}).status_code
    # the write key in the body and no messageId, as older clients and hand-written calls send
    answers["body_key"] = server.post("/v1/track", {"userId": "u-grace", "event": "No Id", "writeKey": WRITE_KEY}, key=None).status_code

    good = {"type": "track", "userId": "u-grace", "event": "Fine"}
    answers["wrong_key"] = server.post("/v1/track", {**good, "messageId": "bad-wrong-key"}, key="not-a-key")
    answers["no_key"] = server.post("/v1/track", {**good, "messageId": "bad-no-key"}, key=None)
    big = {**good, "messageId": "bad-big", "properties": {"blob": "x" * 40_000}}
    answers["oversized_message"] = server.post("/v1/batch", {"batch": [{**good, "messageId": "bad-big-sibling"}, big]})
    many = [{**good, "messageId": f"bad-batch-{i}", "properties": {"blob": "y" * 10_000}} for i in range(60)]
    answers["oversized_batch"] = server.post("/v1/batch", {"batch": many})
    answers["malformed"] = server.post("/v1/batch", '{"batch": [{"type": "track", "messageId": "bad-json"')
    answers["one_bad"] = server.post("/v1/batch", {"batch": [
        {**good, "messageId": "mixed-good-1"},
        {"type": "track", "event": "Nobody", "messageId": "mixed-bad"},  # neither userId nor anonymousId
        {**good, "messageId": "mixed-good-2"},
    ]})
    return answers


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Collected:
    workspace = make_workspace(tmp_path_factory.mktemp("serve"))
    config = shipped_config()
    config["segments"]["acme_people"] = {"description": "People at Acme.", "where": {"trait": "company", "op": "=", "value": "Acme"}}
    config["segments"]["signed_up"] = {"description": "Signed up once or more.", "where": {"trait": "signups", "op": ">=", "value": 1}}
    config["computed_traits"] = COMPUTED_TRAITS
    config["sources"]["newsletter_signups"] = NEWSLETTER
    config_path = workspace.write_config(config)
    (workspace.landing / "newsletter").mkdir(parents=True)
    (workspace.landing / "newsletter" / "signups.csv").write_text(
        "signup_id,email,favourite_store,age,signed_up_at\ns1,ada@lovelace.io,Soho,36,2026-03-01T09:00:00Z\n")
    (workspace.landing / "crm").mkdir()
    (workspace.landing / "crm" / "contacts.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,email_opt_in,updated_at\n"
        "c-ada,ada@lovelace.io,,Ada,Lovelace,Acme,Analyst,customer,yes,2026-03-01T09:00:00Z\n")
    server = start_server(workspace, CDP_CONFIG=config_path)
    try:
        answers = _send_everything(server)
    finally:
        server.stop()
    run = workspace.cdp("run", CDP_CONFIG=config_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return Collected(workspace, config_path, answers, server.log_text())


@pytest.fixture(scope="module")
def profiles(collected) -> Server:
    server = start_server(collected.workspace, "serve_profiles.log", CDP_CONFIG=collected.config_path)
    yield server
    server.stop()


def _landed_ids(workspace: Workspace) -> dict[str, str]:
    return dict(workspace.query("select message_id, type from raw.events"))


def test_every_call_type_lands_from_segments_client_and_from_raw_http(collected):
    assert collected.answers["sdk_errors"] == []
    assert {call: collected.answers[call] for call in [*RAW_CALLS, *SHORT.values(), "gzip_batch", "body_key"]} == dict.fromkeys(
        [*RAW_CALLS, *SHORT.values(), "gzip_batch", "body_key"], 200
    )
    landed = _landed_ids(collected.workspace)
    for call in RAW_CALLS:
        assert landed[f"sdk-{call}"] == call
        assert landed[f"raw-{call}"] == call
        assert landed[f"short-{call}"] == call
    assert landed["raw-batch-cart"] == "page" and landed["raw-batch-track"] == "track"


def test_the_server_stamps_received_at_and_a_message_id_and_stores_no_key(collected):
    files = sorted((collected.workspace.landing / "events").glob("collector-*"))
    assert files and all(f.suffix == ".jsonl" for f in files)  # every file closed when the server stopped
    lines = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert all(line["receivedAt"].endswith("Z") for line in lines)
    no_id = [line for line in lines if line.get("event") == "No Id"]
    assert len(no_id) == 1 and no_id[0]["messageId"].startswith("srv-")
    batched = next(line for line in lines if line["messageId"] == "raw-batch-track")
    assert batched["context"]["library"] == {"name": "curl"}  # the batch's context, merged in
    for text in [*(f.read_text() for f in files), collected.log]:
        assert WRITE_KEY not in text and "writeKey" not in text
    assert "lovelace" not in collected.log.lower()


def test_bad_requests_get_segments_answers_and_store_nothing(collected):
    answers = collected.answers
    expected = {"wrong_key": (401, "unauthorized"), "no_key": (401, "unauthorized"),
                "oversized_message": (400, "message_too_large"), "oversized_batch": (400, "request_too_large"),
                "malformed": (400, "invalid_json")}
    assert {name: (answers[name].status_code, answers[name].json()["code"]) for name in expected} == expected
    assert "batch[1]" in answers["oversized_message"].json()["message"]
    landed = set(_landed_ids(collected.workspace))
    rejected = " ".join(r[0] for r in collected.workspace.query("select raw_record from cdp.rejected_rows where source = 'events'"))
    assert not [i for i in landed if i.startswith("bad-")] and "bad-" not in rejected


def test_one_bad_message_in_a_batch_is_set_aside_with_its_reason_and_the_rest_land(collected):
    assert collected.answers["one_bad"].status_code == 200  # as Segment: the batch is accepted
    landed = _landed_ids(collected.workspace)
    assert {"mixed-good-1", "mixed-good-2"} <= set(landed) and "mixed-bad" not in landed
    assert collected.workspace.query(
        "select reason from cdp.rejected_rows where source = 'events' and raw_record like '%mixed-bad%'"
    ) == [("neither userId nor anonymousId",)]


def test_the_profile_api_returns_the_person_with_traits_identifiers_and_segments(profiles):
    answer = profiles.get(f"/v1/profiles/email/{ADA_EMAIL.upper()}")
    assert answer.status_code == 200, answer.text
    ada = answer.json()
    assert (ada["traits"]["first_name"], ada["traits"]["company"], ada["traits"]["email"]) == ("Ada", "Acme", "ada@lovelace.io")
    identifiers = {(i["type"], i["value"]) for i in ada["identifiers"]}
    assert {("user_id", "u-ada"), ("anonymous_id", "anon-ada"), ("anonymous_id", "anon-ada-phone")} <= identifiers
    assert "acme_people" in {s["name"] for s in ada["segments"]}
    for found_by in ("user_id/u-ada", "anonymous_id/anon-ada-phone", f"profile_id/{ada['profile_id']}"):
        assert profiles.get(f"/v1/profiles/{found_by}").json()["profile_id"] == ada["profile_id"]
    cart = profiles.get("/v1/profiles/anonymous_id/anon-cart").json()
    assert "anonymous_cart_abandoners" in {s["name"] for s in cart["segments"]}


def test_the_profile_api_needs_a_read_key(profiles):
    assert profiles.get("/v1/profiles/user_id/u-ada", key=None).status_code == 401
    assert profiles.get("/v1/profiles/user_id/u-ada", key=WRITE_KEY).status_code == 401
    assert "Basic" in profiles.get("/v1/profiles/user_id/u-ada", key="nope").headers["WWW-Authenticate"]
    assert profiles.get("/v1/profiles/user_id/u-ada", key=READ_KEY).status_code == 200


def test_a_purpose_is_served_only_for_people_who_consented_to_it(profiles):
    assert profiles.get("/v1/profiles/user_id/u-ada", purpose="email").status_code == 200
    no_consent = profiles.get("/v1/profiles/anonymous_id/anon-cart", purpose="email")  # no email, so no email consent
    stranger = profiles.get("/v1/profiles/anonymous_id/never-seen", purpose="email")
    assert no_consent.status_code == stranger.status_code == 404
    assert no_consent.json() == stranger.json()  # the answer does not tell one from the other
    unknown = profiles.get("/v1/profiles/user_id/u-ada", purpose="telepathy")
    assert unknown.status_code == 400 and "email" in unknown.json()["message"]


def test_recent_events_come_newest_first_a_page_at_a_time(collected, profiles):
    seen, cursor = [], None
    while True:
        page = profiles.get("/v1/profiles/user_id/u-ada/events", limit="2", **({"cursor": cursor} if cursor else {})).json()
        assert len(page["events"]) <= 2
        seen += [(e["event_at"], e["message_id"]) for e in page["events"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen)
    expected = collected.workspace.query(
        "select count(*) from cdp.events e join cdp.profiles p using (profile_id) where p.user_id = 'u-ada'"
    )[0][0]
    assert len(seen) == expected >= 5


def test_a_newly_published_snapshot_is_served_without_a_restart(collected, profiles):
    published = collected.workspace.root / "published" / "cdp_published.duckdb"
    staging = published.with_name(".publishing_test.duckdb")
    shutil.copyfile(published, staging)
    with duckdb.connect(str(staging)) as con:
        con.sql("update cdp.profiles set first_name = 'Augusta' where user_id = 'u-ada'")
    os.replace(staging, published)  # as publishing does, while the server holds the old file
    deadline = time.monotonic() + 30
    while profiles.get("/v1/profiles/user_id/u-ada").json()["traits"]["first_name"] != "Augusta":
        assert time.monotonic() < deadline, "the new snapshot was not picked up"
        time.sleep(0.2)


def test_without_keys_the_server_says_so_and_lets_nobody_in(tmp_path):
    workspace = make_workspace(tmp_path)
    server = start_server(workspace, CDP_WRITE_KEYS="", CDP_READ_KEYS="")
    try:
        assert server.post("/v1/track", {"userId": "u", "event": "e"}, key="").status_code == 401
        assert server.get("/v1/profiles/user_id/u", key="").status_code == 401
    finally:
        server.stop()
    log = server.log_text()
    assert "no write keys (CDP_WRITE_KEYS is empty)" in log and "no read keys (CDP_READ_KEYS is empty)" in log


def test_a_server_source_that_is_not_segment_events_is_a_clear_error(tmp_path):
    workspace = make_workspace(tmp_path)
    config = shipped_config()
    config["server"] = {"source": "crm_contacts"}
    result = workspace.cdp("serve", CDP_CONFIG=workspace.write_config(config))
    assert result.returncode == 2 and "server.source: 'crm_contacts' is not a segment-format file source" in result.stderr
    config["server"] = {"roll_mb": 0}
    result = workspace.cdp("serve", CDP_CONFIG=workspace.write_config(config))
    assert result.returncode == 2 and "server.roll_mb" in result.stderr
    assert "Traceback" not in result.stderr


def _published(collected: Collected, sql: str, *params) -> list[tuple]:
    """The published snapshot the server reads, read as a BI tool reads it."""
    path = collected.workspace.root / "published" / "cdp_published.duckdb"
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql, params=list(params)).fetchall()


def _segment_traits(profiles: Server, external_id: str, **params: str) -> dict:
    answer = profiles.get(f"{SEGMENT_API}/{external_id}/traits", **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_segments_profile_api_serves_computed_and_source_traits_as_the_table_holds_them(collected, profiles):
    ada = _segment_traits(profiles, "user_id:u-ada", limit="200")
    assert ada["cursor"] == {"url": f"{SEGMENT_API}/user_id:u-ada/traits", "has_more": False, "next": "", "limit": 200}
    names = ["signups", "signed_up_plan", "last_signup_at", "favourite_store", "age"]
    row = _published(collected, "select {} from cdp.profile_computed_traits t join cdp.profiles p using (profile_id) "
                     "where p.user_id = 'u-ada'".format(", ".join(f"t.{n}" for n in names)))[0]
    expected = dict(zip(names, row))
    assert (expected["signups"], expected["signed_up_plan"], expected["favourite_store"], expected["age"]) == (1, "pro", "Soho", 36)
    served = {name: ada["traits"][name] for name in names}
    assert served["last_signup_at"].endswith("Z")  # a timestamp of the table, in UTC
    served["last_signup_at"] = datetime.fromisoformat(served["last_signup_at"]).replace(tzinfo=None)
    assert served == expected
    assert (ada["traits"]["company"], ada["traits"]["email"]) == ("Acme", "ada@lovelace.io")  # cdp.profiles' too
    computed = _segment_traits(profiles, "user_id:u-ada", **{"class": "computed_trait"})["traits"]
    assert set(computed) == set(COMPUTED_TRAITS)  # a source's traits are plain traits
    # our own answer holds them too
    assert profiles.get("/v1/profiles/user_id/u-ada").json()["traits"]["favourite_store"] == "Soho"


def test_a_profile_with_no_computed_values_is_served_without_them(collected, profiles):
    cart = _segment_traits(profiles, "anonymous_id:anon-cart", limit="200")["traits"]
    assert cart["signups"] == 0  # a count with no record is 0
    assert not {"signed_up_plan", "last_signup_at", "favourite_store", "age"} & set(cart)  # null: left out
    assert profiles.get("/v1/profiles/anonymous_id/anon-cart").json()["traits"]["signed_up_plan"] is None


def test_segments_profile_api_lists_the_audiences_a_profile_is_in(collected, profiles):
    for external_id, where in [("user_id:u-ada", "p.user_id = 'u-ada'"), ("anonymous_id:anon-cart", "i.identifier_value = 'anon-cart'")]:
        members = _published(collected, "select distinct m.segment from cdp.segment_memberships m join cdp.profiles p using (profile_id) "
                             f"join cdp.profile_identifiers i using (profile_id) where {where}")
        audiences = _segment_traits(profiles, external_id, **{"class": "audience"})["traits"]
        assert audiences == dict.fromkeys(sorted(m[0] for m in members), True) and audiences, external_id
    assert {"acme_people", "signed_up"} <= set(_segment_traits(profiles, "user_id:u-ada", **{"class": "audience"})["traits"])
    asked = _segment_traits(profiles, "email:ada@lovelace.io", include="signed_up,age")["traits"]
    assert asked == {"signed_up": True, "age": 36}  # Segment's way to ask whether one is in an audience


def test_the_profile_answer_has_consent_per_purpose_as_published(collected, profiles):
    ada = profiles.get("/v1/profiles/user_id/u-ada").json()
    published = _published(collected, "select c.purpose, c.state from cdp.profile_consent c join cdp.profiles p using (profile_id) "
                           "where p.user_id = 'u-ada'")
    assert ada["consent"] == dict(published) == {"email_marketing": "granted"}
    assert profiles.get(f"{SEGMENT_API}/user_id:u-ada/traits", purpose="email_marketing").status_code == 200
    assert profiles.get(f"{SEGMENT_API}/anonymous_id:anon-cart/traits", purpose="email_marketing").status_code == 404


def test_segments_profile_api_answers_errors_as_segment_does_and_logs_no_identifier(profiles):
    unknown = profiles.get(f"{SEGMENT_API}/user_id:u-never-seen/traits")
    assert unknown.status_code == 404 and unknown.json() == {"error": {"code": "not_found", "message": "Profile was not found."}}
    assert profiles.get(f"{SEGMENT_API}/user_id:u-ada/traits", key=WRITE_KEY).json()["error"]["code"] == "authentication_error"
    assert profiles.get(f"{SEGMENT_API}/u-ada/traits").json()["error"]["code"] == "validation_error"
    ids = profiles.get(f"{SEGMENT_API}/user_id:u-ada/external_ids", limit="100").json()["data"]
    assert {("user_id", "u-ada"), ("email", "ada@lovelace.io")} <= {(i["type"], i["id"]) for i in ids}
    profiles.get("/v1/profiles/ada@lovelace.io/traits")  # a value where the type goes
    profiles.get("/v1/profile/email/ada@lovelace.io")  # a path no route knows
    time.sleep(0.5)
    log = profiles.log_text()
    assert "/v1/spaces/{space}/collections/users/profiles/user_id:{value}/traits 404" in log
    assert "u-ada" not in log and "u-never-seen" not in log and "lovelace" not in log
