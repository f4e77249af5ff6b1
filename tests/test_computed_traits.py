"""Computed traits and event conditions defined in cdp.yml alone, on a world small enough
to count by hand: values on cdp.profile_computed_traits, and segments over both."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import make_workspace, shipped_config

NOW = datetime.now(timezone.utc)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def viewed(message_id: str, user_id: str, days_ago: float, **properties) -> dict:
    return {"messageId": message_id, "type": "track", "event": "Product Viewed", "userId": user_id,
            "timestamp": ago(days_ago), "properties": properties}


EVENTS = [
    {"messageId": "i1", "type": "identify", "userId": "u1", "traits": {"email": "ann@mail.org"}, "timestamp": ago(30)},
    {"messageId": "i2", "type": "identify", "userId": "u2", "traits": {"email": "bo@mail.org"}, "timestamp": ago(30)},
    {"messageId": "i3", "type": "identify", "userId": "u3", "traits": {"email": "cy@mail.org"}, "timestamp": ago(30)},
    {"messageId": "i4", "type": "identify", "userId": "u4", "traits": {"email": "dee@mail.org"}, "timestamp": ago(30)},
    # Ann: three shoe views this week, one 20 days ago, one of hats
    viewed("v1", "u1", 1, category="shoes", price=80),
    viewed("v2", "u1", 2, category="shoes", price=120),
    viewed("v3", "u1", 6, category="shoes", price=95.5),
    viewed("v4", "u1", 20, category="shoes", price=60),
    viewed("v5", "u1", 3, category="hats", price=25),
    # Bo: two shoe views this week, three of bags (his favourite), and a page call named like the event
    viewed("v6", "u2", 1, category="shoes", price=70),
    viewed("v7", "u2", 4, category="shoes", price=75),
    viewed("v8", "u2", 2, category="bags", price=40),
    viewed("v9", "u2", 3, category="bags", price=41),
    viewed("v10", "u2", 5, category="bags", price=42),
    {"messageId": "p1", "type": "page", "userId": "u2", "name": "Product Viewed", "timestamp": ago(0.2),
     "properties": {"category": "shoes"}},
    # Cy viewed nothing; a value that looks like SQL is only ever a value, and a price that
    # is no number (real clients send "n/a") is no price, not a failed build
    {"messageId": "v11", "type": "track", "event": "Product Viewed", "userId": "u3", "timestamp": ago(0.5),
     "properties": {"category": "x' or '1'='1", "price": "n/a"}},
    # Dee: three shoe views this week, and she ordered
    viewed("v12", "u4", 2, category="shoes", price=10),
    viewed("v13", "u4", 3, category="shoes", price=10),
    viewed("v14", "u4", 4, category="shoes", price=10),
    {"messageId": "o1", "type": "track", "event": "Order Completed", "userId": "u4", "timestamp": ago(1),
     "properties": {"total": 10}},
]

COMPUTED_TRAITS = {
    "shoe_views_7d": {"source": "events", "event": "Product Viewed", "where": {"category": "shoes"},
                      "within_last_days": 7, "aggregate": "count"},
    "favourite_category": {"source": "events", "event": "Product Viewed", "aggregate": "most_frequent", "of": "category"},
    "top_viewed_price": {"source": "events", "event": "Product Viewed", "aggregate": "max", "of": "price"},
    "last_viewed_at": {"source": "events", "type": "track", "event": "Product Viewed", "aggregate": "max"},
    "store_one_spend": {"source": "pos_transactions", "where": {"store_id": "s1"}, "aggregate": "sum", "of": "amount"},
    "stores_visited": {"source": "pos_transactions", "aggregate": "distinct_count", "of": "store_id"},
    # 630.5 / 3 has no exact 4-byte float: a `double` must be 8 bytes
    "average_spend": {"source": "pos_transactions", "aggregate": "avg", "of": "amount"},
    # a source declared in cdp.yml alone
    "average_rating": {"source": "reviews", "aggregate": "avg", "of": "rating"},
    "last_reviewed_product": {"source": "reviews", "aggregate": "last", "of": "product"},
    "has_reviewed": {"source": "reviews", "aggregate": "exists"},
    # a keyword: quoted for the engine wherever it is a column
    "order": {"source": "events", "event": "Order Completed", "aggregate": "count"},
}

SEGMENTS = {
    "shoe_shoppers": {"description": "Viewed shoes three times or more this week.",
                      "where": {"trait": "shoe_views_7d", "op": ">=", "value": 3}},
    "store_one_regulars": {"description": "Spent over 100 at store one, and reviewed.",
                           "where": {"all": [{"trait": "store_one_spend", "op": ">", "value": 100},
                                             {"trait": "has_reviewed", "op": "=", "value": True}]}},
    # event conditions: no computed trait needed
    "shoe_browsers_who_did_not_buy": {
        "description": "Viewed shoes three times or more this week and never ordered.",
        "where": {"all": [
            {"performed": {"event": "Product Viewed", "where": {"category": "shoes"}, "at_least": 3, "within_last_days": 7}},
            {"not": {"performed": {"event": "Order Completed"}}},
        ]}},
    "five_star_reviewers": {"description": "Gave a five-star review.",
                            "where": {"performed": {"source": "reviews", "where": {"rating": 5}}}},
    "buyers": {"description": "Ordered.", "where": {"trait": "order", "op": ">", "value": 0}},
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("computed_traits"))
    landing = workspace.landing
    for folder in ("events", "pos", "reviews"):
        (landing / folder).mkdir(parents=True)
    (landing / "events" / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in EVENTS))
    (landing / "pos" / "loyalty_members.csv").write_text("loyalty_id,email,phone\nL1,ann@mail.org,\nL2,bo@mail.org,\n")
    (landing / "pos" / "transactions.csv").write_text(
        "transaction_id,store_id,loyalty_id,amount,ts\n"
        f"t1,s1,L1,60.00,{ago(40)}\nt2,s1,L1,70.50,{ago(10)}\nt3,s2,L1,500.00,{ago(5)}\nt4,s1,L2,20.00,{ago(3)}\n"
    )
    (landing / "reviews" / "reviews.csv").write_text(
        "review_id,email,product,rating,created_at\n"
        f"r1,ann@mail.org,boots,4,{ago(9)}\nr2,ann@mail.org,sandals,5,{ago(2)}\nr3,bo@mail.org,tote,2,{ago(4)}\n"
    )
    config = shipped_config()
    config["sources"]["reviews"] = {
        "files": "reviews/*.csv", "format": "csv", "primary_key": "review_id", "timestamp": "created_at",
        "identifiers": {"email": "email"}, "columns": {"rating": "integer"}, "required": ["product"],
    }
    config["computed_traits"] = COMPUTED_TRAITS
    config["segments"].update(SEGMENTS)
    result = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workspace


def trait(workspace, name: str) -> dict:
    return dict(workspace.query(
        f'select p.email, t."{name}" from cdp.profile_computed_traits t join cdp.profiles p using (profile_id) '
        "where p.email is not null"
    ))


def test_a_count_keeps_the_filtered_events_of_its_window(workspace):
    assert trait(workspace, "shoe_views_7d") == {"ann@mail.org": 3, "bo@mail.org": 2, "cy@mail.org": 0, "dee@mail.org": 3}


def test_most_frequent_and_max_read_event_properties(workspace):
    assert trait(workspace, "favourite_category") == {"ann@mail.org": "shoes", "bo@mail.org": "bags",
                                                       "cy@mail.org": "x' or '1'='1", "dee@mail.org": "shoes"}
    assert trait(workspace, "top_viewed_price") == {"ann@mail.org": 120.0, "bo@mail.org": 75.0, "cy@mail.org": None,
                                                     "dee@mail.org": 10.0}


def test_max_without_of_is_the_time_of_the_latest_event(workspace):
    at = {days: datetime.fromisoformat(ago(days).removesuffix("Z")) for days in (0.5, 1)}
    # Bo's later page call named like the event is no track call
    assert trait(workspace, "last_viewed_at") == {"ann@mail.org": at[1], "bo@mail.org": at[1], "cy@mail.org": at[0.5],
                                                   "dee@mail.org": datetime.fromisoformat(ago(2).removesuffix("Z"))}


def test_a_source_s_records_aggregate_through_their_identifiers(workspace):
    assert trait(workspace, "store_one_spend") == {"ann@mail.org": 130.5, "bo@mail.org": 20.0, "cy@mail.org": None,
                                                    "dee@mail.org": None}
    assert trait(workspace, "stores_visited") == {"ann@mail.org": 2, "bo@mail.org": 1, "cy@mail.org": 0, "dee@mail.org": 0}


def test_a_double_trait_is_double_precision(workspace):
    assert trait(workspace, "average_spend")["ann@mail.org"] == 630.5 / 3
    assert workspace.query("select distinct typeof(average_spend), typeof(top_viewed_price) "
                           "from cdp.profile_computed_traits") == [("DOUBLE", "DOUBLE")]


def test_a_source_declared_in_cdp_yml_alone_has_computed_traits(workspace):
    assert trait(workspace, "average_rating") == {"ann@mail.org": 4.5, "bo@mail.org": 2.0, "cy@mail.org": None,
                                                  "dee@mail.org": None}
    assert trait(workspace, "last_reviewed_product") == {"ann@mail.org": "sandals", "bo@mail.org": "tote", "cy@mail.org": None,
                                                         "dee@mail.org": None}
    assert trait(workspace, "has_reviewed") == {"ann@mail.org": True, "bo@mail.org": True, "cy@mail.org": False,
                                                "dee@mail.org": False}


def members(workspace) -> dict[str, str]:
    return dict(workspace.query(
        "select m.segment, string_agg(p.email, ',' order by p.email) from cdp.segment_memberships m "
        "join cdp.profiles p using (profile_id) group by 1"
    ))


def test_segments_over_computed_traits_hold_the_hand_counted_members(workspace):
    found = members(workspace)
    assert (found["shoe_shoppers"], found["store_one_regulars"]) == ("ann@mail.org,dee@mail.org", "ann@mail.org")
    assert trait(workspace, "order") == {"ann@mail.org": 0, "bo@mail.org": 0, "cy@mail.org": 0, "dee@mail.org": 1}
    assert found["buyers"] == "dee@mail.org"


def test_event_conditions_count_matching_events_in_their_window(workspace):
    # Ann: 3 shoe views this week; Bo: 2; Dee: 3, but she ordered
    found = members(workspace)
    assert found["shoe_browsers_who_did_not_buy"] == "ann@mail.org"
    assert found["five_star_reviewers"] == "ann@mail.org"
