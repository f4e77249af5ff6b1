"""Sessions, the customer journey, channel attribution and RFM scores on data made here."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.conftest import make_workspace


def page(message_id: str, at: str, path: str, campaign: tuple[str, str] | None = None) -> dict:
    context = {"page": {"path": path}}
    if campaign:
        context["campaign"] = {"source": campaign[0], "medium": campaign[1]}
    return {"messageId": message_id, "type": "page", "anonymousId": "a1", "userId": "u1",
            "timestamp": f"2026-11-{at}Z", "context": context}


def order(order_id: str, email: str, total: float, at: str) -> str:
    return json.dumps({"order_id": order_id, "email": email, "total": total, "currency": "USD",
                       "created_at": f"2026-{at}Z", "status": "completed"}) + "\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("journey"))
    events = [
        {"messageId": "i1", "type": "identify", "anonymousId": "a1", "userId": "u1",
         "traits": {"email": "ann@mail.org", "address": {"street": "1 Main St", "city": "Boston", "postalCode": "02110",
                                                          "country": "US"}},
         "timestamp": "2026-11-01T09:59:00Z"},
        page("p1", "01T10:00:00", "/", ("google", "cpc")),
        page("p2", "01T10:10:00", "/shoes"),
        page("p3", "01T12:00:00", "/"),                         # 110 minutes later: a new visit
        page("p4", "05T09:00:00", "/sale", ("newsletter", "email")),
        # another visitor's first page has no path: the visit's landing page is that page's
        {"messageId": "q1", "type": "page", "anonymousId": "a9", "userId": "u9", "timestamp": "2026-11-03T08:00:00Z"},
        {**page("q2", "03T08:05:00", "/later"), "anonymousId": "a9", "userId": "u9"},
        # calls with no page view are no visit: a login and a purchase hours after the last page
        {"messageId": "t1", "type": "identify", "anonymousId": "a9", "userId": "u9", "timestamp": "2026-11-03T20:00:00Z"},
        {"messageId": "t2", "type": "track", "event": "Order Completed", "userId": "u9", "timestamp": "2026-11-03T20:01:00Z"},
    ]
    (workspace.landing / "events").mkdir(parents=True)
    (workspace.landing / "events" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (workspace.landing / "shop").mkdir()
    (workspace.landing / "shop" / "orders.jsonl").write_text(
        order("o1", "ann@mail.org", 90, "11-05T09:30:00")
        + order("o2", "bob@mail.org", 50, "11-02T10:00:00")
        + order("o3", "cat@mail.org", 120, "10-01T10:00:00")
        + order("o4", "cat@mail.org", 80, "10-15T10:00:00")
    )
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout + run.stderr
    return workspace


def test_the_address_trait_reaches_the_profile(workspace):
    assert workspace.query(
        "select address_street, address_city, address_postal_code, address_country from cdp.profiles where user_id = 'u1'"
    ) == [("1 Main St", "Boston", "02110", "US")]


def test_a_gap_over_30_minutes_starts_a_new_visit_with_its_own_channel(workspace):
    assert workspace.query(
        "select s.session_number, s.event_count, s.page_views, s.channel, s.landing_page "
        "from cdp.sessions s join cdp.profiles p using (profile_id) where p.user_id = 'u1' order by 1"
    ) == [(1, 2, 2, "google / cpc", "/"), (2, 1, 1, "direct", "/"), (3, 1, 1, "newsletter / email", "/sale")]
    assert workspace.scalar("select session_count from cdp.profiles where user_id = 'u1'") == 3


def test_identify_and_track_calls_open_no_visit_of_their_own(workspace):
    # u1's identify a minute before the first page is not part of the visit either
    assert workspace.query(
        "select s.session_number, s.started_at, s.event_count "
        "from cdp.sessions s join cdp.profiles p using (profile_id) where p.user_id in ('u1', 'u9') order by p.user_id, 1"
    )[0][1:] == (datetime(2026, 11, 1, 10, 0), 2)
    assert workspace.scalar(
        "select count(*) from cdp.sessions s join cdp.profiles p using (profile_id) where p.user_id = 'u9'") == 1


def test_a_visit_lands_on_its_first_page_even_when_that_page_has_no_path(workspace):
    assert workspace.query(
        "select s.event_count, s.page_views, s.channel, s.landing_page "
        "from cdp.sessions s join cdp.profiles p using (profile_id) where p.user_id = 'u9'"
    ) == [(2, 2, "direct", None)]


def test_the_journey_runs_from_the_first_visit_to_the_order(workspace):
    assert workspace.query(
        "select j.step, j.touchpoint, j.channel, j.is_conversion "
        "from cdp.customer_journey j join cdp.profiles p using (profile_id) where p.user_id = 'u1' order by 1"
    ) == [
        (1, "visit", "google / cpc", False),
        (2, "visit", "direct", False),
        (3, "visit", "newsletter / email", False),
        (4, "order", None, True),
    ]


def test_orders_are_credited_first_last_and_linear_and_revenue_reconciles(workspace):
    rows = workspace.query(
        "select channel, touches, first_touch_credit, last_touch_credit, round(linear_revenue, 2) "
        "from cdp.order_attribution where order_id = 'o1' order by channel"
    )
    assert [(c, t, float(f), float(la), float(r)) for c, t, f, la, r in rows] == [
        ("direct", 1, 0.0, 0.0, 30.0),
        ("google / cpc", 1, 1.0, 0.0, 30.0),
        ("newsletter / email", 1, 0.0, 1.0, 30.0),  # the last visit with a campaign
    ]
    assert workspace.query("select channel, linear_credit from cdp.order_attribution where order_id = 'o2'") == [("(none)", 1)]
    totals = workspace.query(
        "select sum(first_touch_revenue), sum(last_touch_revenue), round(sum(linear_revenue), 2) from cdp.order_attribution"
    )[0]
    revenue = workspace.scalar("select sum(total) from cdp.orders where is_revenue and profile_id is not null")
    assert [float(t) for t in totals] == [float(revenue)] * 3 == [340.0] * 3


def test_rfm_scores_rank_buyers(workspace):
    scores = dict(
        (email, (r, f, m)) for email, r, f, m in workspace.query(
            "select email, rfm_recency, rfm_frequency, rfm_monetary from cdp.profiles where last_purchase_at is not null"
        )
    )
    assert {email: (r, m) for email, (r, _, m) in scores.items()} == {
        "cat@mail.org": (1, 3), "bob@mail.org": (2, 1), "ann@mail.org": (3, 2),
    }
    assert scores["cat@mail.org"][1] == 3  # the only repeat buyer
