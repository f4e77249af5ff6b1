"""The profile API's snapshot: a newly published file is indexed, and the one it
replaced is let go (its memory, and its file, which publishing already unlinked)."""

from __future__ import annotations

import gc
import os
import weakref
from datetime import datetime
from pathlib import Path

import duckdb

from core.config import load_config
from server.errors import ApiError
from server.profiles import ProfileStore
from tests.conftest import REPO


def _publish(path: Path, first_name: str) -> None:
    """A small snapshot, renamed into place as publishing does."""
    staging = path.with_name(".publishing.duckdb")
    with duckdb.connect(str(staging)) as con:
        con.sql("create schema cdp")
        con.sql(f"create table cdp.profiles as select 'prf_1' as profile_id, 'ada@lovelace.io' as email, "
                f"'{first_name}' as first_name, true as email_consent, 3.50::decimal(38, 2) as lifetime_value")
        con.sql("create table cdp.profile_identifiers as select 'prf_1' as profile_id, 'email' as identifier_type, "
                "'ada@lovelace.io' as identifier_value, now()::timestamp as first_seen_at, now()::timestamp as last_seen_at")
        con.sql("create table cdp.profile_merges as select 'prf_0' as old_profile_id, 'prf_1' as profile_id")
    os.replace(staging, path)


def _deleted_files_open(folder: Path) -> list[str]:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the listing's own handle, closed since
            pass
    return [link for link in links if link.startswith(str(folder)) and link.endswith("(deleted)")]


def test_a_new_snapshot_is_served_and_the_one_it_replaced_is_let_go(tmp_path):
    published = tmp_path / "cdp_published.duckdb"
    _publish(published, "Ada")
    store = ProfileStore(published, load_config(REPO / "cdp.yml").identity, check_seconds=3600)
    assert store.refresh()
    gc.freeze()  # as the server does once started: what is frozen must still be freed
    try:
        first = weakref.ref(store.current)
        # its columns too: one that referred to itself would outlive it, frozen
        first_columns = [weakref.ref(column) for _, column in store.current._profile]
        assert store.profile("email", "Ada@Lovelace.io ", None)["traits"]["first_name"] == "Ada"
        assert not store.refresh()  # the same file: nothing to do

        _publish(published, "Augusta")
        assert store.refresh()
        found = store.profile("profile_id", "prf_0", "email")  # an id merged away finds its profile
        assert (found["profile_id"], found["traits"]["first_name"], found["traits"]["lifetime_value"]) == ("prf_1", "Augusta", 3.5)
        assert first() is None and all(ref() is None for ref in first_columns)
        assert _deleted_files_open(tmp_path) == []
    finally:
        gc.unfreeze()


def test_a_purpose_of_cdp_yml_is_served_only_for_people_who_granted_it(tmp_path):
    """Purposes come from cdp.profile_consent (and a boolean `<purpose>_consent` column);
    denied and unknown answer as a stranger does, and a profile lists its states."""
    published = tmp_path / "cdp_published.duckdb"
    with duckdb.connect(str(published)) as con:
        con.sql("create schema cdp")
        con.sql("""create table cdp.profiles as select * from (values
            ('prf_1', 'ada@lovelace.io', true), ('prf_2', 'bo@mail.org', true), ('prf_3', 'cy@mail.org', false)
        ) as t(profile_id, email, email_consent)""")
        con.sql("""create table cdp.profile_identifiers as select profile_id, 'email' as identifier_type,
            email as identifier_value, now()::timestamp as first_seen_at, now()::timestamp as last_seen_at from cdp.profiles""")
        con.sql("""create table cdp.profile_consent as select * from (values
            ('prf_1', 'email_marketing', 'granted'), ('prf_2', 'email_marketing', 'denied'),
            ('prf_3', 'email_marketing', 'unknown'), ('prf_1', 'advertising', 'unknown'),
            ('prf_2', 'advertising', 'granted'), ('prf_3', 'advertising', 'unknown')
        ) as t(profile_id, purpose, state)""")
    store = ProfileStore(published, load_config(REPO / "cdp.yml").identity, check_seconds=3600)
    assert store.refresh()

    ada = store.profile("email", "ada@lovelace.io", "email_marketing")
    assert ada["consent"] == {"advertising": "unknown", "email_marketing": "granted"}
    assert store.profile("email", "bo@mail.org", "advertising")["profile_id"] == "prf_2"
    stranger = _refused(store, "nobody@mail.org", "email_marketing")
    assert _refused(store, "bo@mail.org", "email_marketing") == _refused(store, "cy@mail.org", "email_marketing") == stranger
    assert stranger[0] == 404
    assert store.profile("email", "bo@mail.org", "email")["profile_id"] == "prf_2"  # the profile column, still a purpose
    status, _, message = _refused(store, "ada@lovelace.io", "telepathy")
    assert status == 400 and "advertising, email, email_marketing" in message


def _refused(store: ProfileStore, email: str, purpose: str) -> tuple[int, str, str]:
    try:
        store.profile("email", email, purpose)
    except ApiError as error:
        return error.status, error.code, error.message
    raise AssertionError(f"{email} was answered for {purpose}")


def _publish_with_traits(path: Path) -> None:
    """Two people: Ada with computed traits and two segments (one left), Bo with none."""
    with duckdb.connect(str(path)) as con:
        con.sql("create schema cdp")
        con.sql("""create table cdp.profiles as select * from (values
            ('prf_1', 'ada@lovelace.io', 'Ada', 3.50::decimal(38, 2)), ('prf_2', 'bo@mail.org', null, null)
        ) as t(profile_id, email, first_name, lifetime_value)""")
        con.sql("""create table cdp.profile_identifiers as select profile_id, 'email' as identifier_type,
            email as identifier_value, now()::timestamp as first_seen_at, now()::timestamp as last_seen_at from cdp.profiles""")
        con.sql("""create table cdp.profile_computed_traits as select * from (values
            ('prf_1', 3::bigint, 'shoes', timestamp '2026-12-01 10:00:00', 41::bigint),
            ('prf_2', 0::bigint, null, null, null)
        ) as t(profile_id, shoe_views_7d, favourite_category, last_viewed_at, age)""")
        con.sql("""create table cdp.segments as select * from (values ('high_value'), ('lapsed'), ('shoe_shoppers')) as t(name)""")
        con.sql("""create table cdp.segment_memberships as select * from (values
            ('high_value', 'prf_1', timestamp '2026-12-01 00:00:00'), ('shoe_shoppers', 'prf_1', timestamp '2026-12-02 00:00:00')
        ) as t(segment, profile_id, entered_at)""")
        con.sql("""create table cdp.segment_membership_history as select * from (values
            ('lapsed', 'prf_1', timestamp '2026-11-01 00:00:00', timestamp '2026-11-20 00:00:00'),
            ('high_value', 'prf_1', timestamp '2026-10-01 00:00:00', timestamp '2026-10-05 00:00:00'),
            ('high_value', 'prf_1', timestamp '2026-12-01 00:00:00', null),
            ('retired_segment', 'prf_1', timestamp '2026-09-01 00:00:00', timestamp '2026-09-02 00:00:00')
        ) as t(segment, profile_id, entered_at, exited_at)""")


COMPUTED = frozenset({"shoe_views_7d", "favourite_category", "last_viewed_at"})  # age: a source's trait


def _traits_store(tmp_path: Path) -> ProfileStore:
    published = tmp_path / "cdp_published.duckdb"
    _publish_with_traits(published)
    store = ProfileStore(published, load_config(REPO / "cdp.yml").identity, 3600, COMPUTED)
    assert store.refresh()
    return store


def test_computed_traits_are_profile_traits_typed_as_the_table_types_them(tmp_path):
    store = _traits_store(tmp_path)
    traits = store.profile("email", "ada@lovelace.io", None)["traits"]
    assert {name: traits[name] for name in ("shoe_views_7d", "favourite_category", "age")} == {
        "shoe_views_7d": 3, "favourite_category": "shoes", "age": 41}
    assert traits["last_viewed_at"] == datetime(2026, 12, 1, 10)
    bo = store.profile("email", "bo@mail.org", None)["traits"]  # our own shape keeps every column, nulls too
    assert (bo["shoe_views_7d"], bo["favourite_category"], bo["age"]) == (0, None, None)


def test_segments_traits_hold_every_trait_with_a_value_audiences_and_computed_ones(tmp_path):
    store = _traits_store(tmp_path)
    answer = store.segment_answer("traits", "email:Ada@Lovelace.io", {"limit": "200"}, "/traits")
    assert answer == {"traits": {
        "age": 41, "email": "ada@lovelace.io", "favourite_category": "shoes", "first_name": "Ada", "high_value": True,
        "lapsed": False, "last_viewed_at": datetime(2026, 12, 1, 10), "lifetime_value": 3.5, "shoe_shoppers": True,
        "shoe_views_7d": 3,
    }, "cursor": {"url": "/traits", "has_more": False, "next": "", "limit": 200}}
    audiences = store.segment_answer("traits", "email:ada@lovelace.io", {"class": "audience"}, "/traits")["traits"]
    assert audiences == {"high_value": True, "lapsed": False, "shoe_shoppers": True}  # a deleted segment is no audience
    computed = store.segment_answer("traits", "email:ada@lovelace.io", {"class": "computed_trait"}, "/traits")["traits"]
    assert set(computed) == COMPUTED
    asked = store.segment_answer("traits", "email:ada@lovelace.io", {"include": "age,high_value,nope"}, "/traits")
    assert asked["traits"] == {"age": 41, "high_value": True}


def test_a_profile_without_computed_values_has_those_traits_left_out(tmp_path):
    store = _traits_store(tmp_path)
    bo = store.segment_answer("traits", "email:bo@mail.org", {}, "/traits")["traits"]
    assert bo == {"email": "bo@mail.org", "shoe_views_7d": 0}  # a count is 0, never null; nulls are left out
    assert store.segment_answer("traits", "email:bo@mail.org", {"class": "audience"}, "/traits")["traits"] == {}


def test_traits_come_a_page_at_a_time_in_name_order_as_segments_cursor_pages_them(tmp_path):
    store = _traits_store(tmp_path)
    everything = store.segment_answer("traits", "email:ada@lovelace.io", {"limit": "200"}, "/t")["traits"]
    first = store.segment_answer("traits", "email:ada@lovelace.io", {}, "/t")
    assert first["cursor"]["limit"] == 10 and first["cursor"]["has_more"] is False  # Segment's default page: 10
    seen, after = {}, ""
    while True:
        page = store.segment_answer("traits", "email:ada@lovelace.io", {"limit": "3", "next": after}, "/t")
        assert len(page["traits"]) <= 3
        seen.update(page["traits"])
        after = page["cursor"]["next"]
        if not page["cursor"]["has_more"]:
            assert after == ""
            break
    assert list(seen) == sorted(everything) and seen == everything


def test_segment_shaped_requests_that_are_wrong_or_find_nobody(tmp_path):
    store = _traits_store(tmp_path)
    assert _failed(lambda: store.segment_answer("traits", "email:nobody@mail.org", {}, "/t"))[:2] == (404, "not_found")
    for external_id, params in [("ada@lovelace.io", {}), ("email:ada@lovelace.io", {"class": "trait"}),
                                ("email:ada@lovelace.io", {"limit": "201"}), ("email:ada@lovelace.io", {"verbose": "true"}),
                                ("telepathy:ada", {})]:
        assert _failed(lambda: store.segment_answer("traits", external_id, params, "/t"))[0] == 400, (external_id, params)
    ids = store.segment_answer("external_ids", "profile_id:prf_1", {}, "/x")["data"]
    assert [(i["type"], i["id"], i["collection"]) for i in ids] == [("email", "ada@lovelace.io", "users")]


def test_a_snapshot_without_computed_traits_or_history_is_served(tmp_path):
    published = tmp_path / "cdp_published.duckdb"
    _publish(published, "Ada")
    store = ProfileStore(published, load_config(REPO / "cdp.yml").identity, 3600, COMPUTED)
    assert store.refresh()
    answer = store.segment_answer("traits", "email:ada@lovelace.io", {}, "/t")["traits"]
    assert answer == {"email": "ada@lovelace.io", "first_name": "Ada", "email_consent": True, "lifetime_value": 3.5}


def _failed(call) -> tuple[int, str, str]:
    try:
        call()
    except ApiError as error:
        return error.status, error.code, error.message
    raise AssertionError("answered")
