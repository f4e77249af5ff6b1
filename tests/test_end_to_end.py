"""`cdp run` on generated sample data: real dlt, dbt, Dagster and DuckDB, end to end."""

from __future__ import annotations

import gzip
import json
import re

import pytest

from tests.conftest import SAMPLE_PEOPLE


def landed_event_lines(landing) -> list[str]:
    lines = []
    for path in sorted((landing / "events").iterdir()):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            lines += [line for line in handle if line.strip()]
    return lines


def test_run_succeeds_and_reports_progress(sample_run):
    workspace, result = sample_run
    assert result.returncode == 0, result.stderr[-5000:]
    assert "cdp.profiles" in result.stdout
    assert "rows landed" in result.stderr  # per-source counts logged by the landing asset


def test_profiles_are_built_for_the_people_in_the_sample(workspace):
    profiles, known = workspace.query(
        "select count(*), count(*) filter (where user_id is not null or email is not null) from cdp.profiles"
    )[0]
    # everyone with an email, account, CRM record or loyalty card is known; devices that
    # never identify stay anonymous profiles of their own; a second email that nothing
    # shows to be the same person's (a form typed on a shared computer) stays apart too
    assert SAMPLE_PEOPLE * 0.8 <= known <= SAMPLE_PEOPLE * 1.05
    assert profiles > known
    assert workspace.scalar("select count(*) - count(distinct profile_id) from cdp.profiles") == 0


def test_emails_are_trimmed_and_lower_cased(workspace):
    emails = [row[0] for row in workspace.query("select identifier_value from cdp.profile_identifiers where identifier_type = 'email'")]
    assert emails
    assert all(email == email.strip().lower() for email in emails)
    # the sample writes one person's email in several spellings; they are one identifier
    raw_variants = workspace.scalar(
        "select count(distinct raw_value) from staging.stg_cdp__identifiers "
        "where identifier_type = 'email' and identifier_value is not null"
    )
    assert raw_variants > len(emails)


def test_phones_are_e164(workspace):
    phones = [row[0] for row in workspace.query("select identifier_value from cdp.profile_identifiers where identifier_type = 'phone'")]
    assert phones
    assert all(re.fullmatch(r"\+1[2-9]\d{9}", phone) for phone in phones)


def test_the_malformed_line_is_rejected_with_its_reason(workspace):
    rows = workspace.query("select file, line, reason, raw_record from cdp.rejected_rows where source = 'events'")
    assert ("events/events_001.jsonl", "malformed JSON") in {(r[0], r[2]) for r in rows}
    malformed = next(r for r in rows if r[2] == "malformed JSON")
    assert malformed[3].startswith('{"type": "track", "event": "Broken"')
    reasons = {r[0] for r in workspace.query("select reason from cdp.rejected_rows")}
    assert "malformed CSV row: expected 10 fields, found 2" in reasons  # the CRM export with its opt-in field
    assert "wrong type: amount is not double in amount: not-a-number" in reasons
    assert "neither userId nor anonymousId" in reasons


def test_landed_rows_reconcile_with_loaded_plus_rejected(workspace):
    lines = landed_event_lines(workspace.landing)
    loaded = workspace.scalar("select count(*) from raw.events")
    rejected = workspace.scalar("select count(*) from cdp.rejected_rows where source = 'events'")
    assert loaded + rejected == len(lines)


def test_re_sent_events_are_stored_once(workspace):
    payloads = [json.loads(line) for line in landed_event_lines(workspace.landing) if line.startswith('{"messageId"')]
    # events with neither userId nor anonymousId are rejected, as the spec says
    message_ids = {p["messageId"] for p in payloads if p.get("userId") or p.get("anonymousId")}
    assert workspace.scalar("select count(*) from raw.events") > len(message_ids)  # the copies did land
    stored = workspace.scalar("select count(*) from cdp.events where message_id not like 'cdp-%'")
    assert stored == len(message_ids)


def test_no_profile_holds_two_user_ids(workspace):
    assert workspace.scalar(
        "select count(*) from (select profile_id from cdp.profile_identifiers where identifier_type = 'user_id' group by 1 having count(*) > 1)"
    ) == 0


def test_the_kiosk_browser_and_household_phone_are_shared_not_links(workspace):
    shared = {r[0]: r[1] for r in workspace.query("select identifier_value, identifier_type from cdp.identity_rule_hits where rule = 'shared'")}
    assert shared.get("kiosk-browser-store-42") == "anonymous_id"
    assert "phone" in shared.values()
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = 'kiosk-browser-store-42'") == 0


def test_junk_values_are_blocked(workspace):
    blocked = {r[0] for r in workspace.query("select identifier_value from cdp.identity_rule_hits where rule like 'blocked%'")}
    assert "test@test.com" in blocked
    assert workspace.scalar("select count(*) from cdp.profile_identifiers where identifier_value = 'test@test.com'") == 0


def test_an_anonymous_visitor_joins_the_profile_once_identified(workspace):
    # every device of a person with an account identified on it, so its page views share the user's profile
    orphan_pages = workspace.scalar(
        """
        select count(*) from cdp.events as e
        join cdp.profile_identifiers as a on a.identifier_type = 'anonymous_id' and a.identifier_value = e.anonymous_id
        join cdp.profile_identifiers as u on u.profile_id = a.profile_id and u.identifier_type = 'user_id'
        where e.event_type = 'page' and e.profile_id <> u.profile_id
        """
    )
    assert orphan_pages == 0
    assert workspace.scalar("select count(*) from cdp.events where event_type = 'page' and profile_id in (select profile_id from cdp.profiles where user_id is not null)") > 0


def test_revenue_across_profiles_equals_revenue_of_attributed_facts(workspace):
    profile_ltv, order_revenue, pos_revenue = workspace.query(
        """select (select sum(lifetime_value) from cdp.profiles),
                  (select sum(total) from cdp.orders where is_revenue and profile_id is not null),
                  (select sum(amount) from cdp.pos_transactions where profile_id is not null)"""
    )[0]
    assert profile_ltv == pytest.approx(order_revenue + pos_revenue)
    assert workspace.scalar("select count(*) from cdp.orders where profile_id is null") == 0


def test_a_record_with_no_time_makes_no_one_seen_at_load_time(workspace):
    # loyalty members carry no timestamp: only timed records (events, orders, ...) say when
    # a profile was seen, and the sample's records all precede the load
    assert workspace.scalar(
        "select count(*) from cdp.profiles where last_seen_at >= (select min(_cdp_loaded_at) from raw.pos_loyalty_members)"
    ) == 0


def test_orders_are_credited_to_the_visits_they_were_placed_in(workspace):
    # the sample places most orders in a visit, most visits through a campaign: calls that
    # are no page view (the order's own track call) open no visit and take no credit
    shares = dict(workspace.query(
        "select channel, sum(last_touch_revenue) / (select sum(last_touch_revenue) from cdp.order_attribution) "
        "from cdp.order_attribution group by channel"
    ))
    assert shares["direct"] + shares.get("(none)", 0) < 0.5
    assert {"google / cpc", "facebook / paid_social", "newsletter / email"} <= set(shares)
    assert workspace.scalar("select count(*) from cdp.sessions where page_views = 0") == 0


def test_time_windowed_segments_have_members_on_the_day_the_sample_is_made(workspace):
    # the sample's year ends today: visitors who viewed the cart in the last 30 days exist
    assert workspace.scalar("select count(*) from cdp.segment_memberships where segment = 'anonymous_cart_abandoners'") > 0


TABLES = ["raw.events", "raw.identifiers", "raw.rejected_rows", "cdp.profiles", "cdp.profile_identifiers", "cdp.events", "cdp.orders", "cdp.rejected_rows"]


def test_a_second_run_adds_no_rows_and_keeps_profile_ids(workspace):
    before = {t: workspace.scalar(f"select count(*) from {t}") for t in TABLES}
    ids_before = {r[0] for r in workspace.query("select profile_id from cdp.profiles")}
    result = workspace.cdp("run")
    assert result.returncode == 0, result.stderr[-5000:]
    after = {t: workspace.scalar(f"select count(*) from {t}") for t in TABLES}
    assert after == before
    assert {r[0] for r in workspace.query("select profile_id from cdp.profiles")} == ids_before


def test_explain_shows_the_profile_and_the_records_that_link_it(workspace):
    user_id, profile_id = workspace.query(
        "select user_id, profile_id from cdp.profiles where user_id is not null order by identifier_count desc, profile_id limit 1"
    )[0]
    result = workspace.cdp("explain", "user_id", f"  {user_id} ")
    assert result.returncode == 0, result.stderr
    assert f"profile {profile_id}" in result.stdout
    links = result.stdout.split("linked by these records")[1]
    assert f"user_id {user_id}" in links  # a record that carried the user id and another identifier


def test_explain_says_why_a_shared_identifier_is_in_no_profile(workspace):
    result = workspace.cdp("explain", "anonymous_id", "kiosk-browser-store-42")
    assert result.returncode == 0
    assert result.stdout.startswith("anonymous_id kiosk-browser-store-42 is in no profile: shared: ")
    assert "seen beside 4 distinct user_id values (limit 1)" in result.stdout
    assert "seen beside 4 distinct email values (limit 2)" in result.stdout


def test_explain_of_an_unseen_value_exits_1(workspace):
    result = workspace.cdp("explain", "email", " Nobody@Example.ORG")
    assert result.returncode == 1
    assert "email nobody@example.org has not been seen" in result.stdout
