"""A source declared in cdp.yml alone lands and joins the identity graph, with no code.
And schema drift: new columns are kept, a changed column type stops the load clearly."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.config import load_config
from tests.conftest import REPO, land, make_workspace, shipped_config

NEW_SOURCE = {
    "description": "Newsletter sign-ups from the events team's tablet app",
    "files": "newsletter/signups*.parquet",
    "format": "parquet",
    "primary_key": "signup_id",
    "timestamp": "signed_up_at",
    "identifiers": {"subscriber_email": "email", "mobile": "phone"},
    "traits": ["favourite_store", "age"],
    "columns": {"age": "integer"},
}


def write_landing(landing):
    (landing / "crm").mkdir(parents=True)
    (landing / "crm" / "contacts.csv").write_text(
        "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at\n"
        "c1,Ann@Mail.org,,Ann,Lee,Acme,CTO,lead,2026-01-01T00:00:00Z\n"
    )
    (landing / "newsletter").mkdir()
    pq.write_table(
        pa.table({
            "signup_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
            "subscriber_email": [" ANN@mail.org", "zed@mail.org", "yan@mail.org", "zed@mail.org", "zed@mail.org",
                                 "xi@mail.org"],
            "mobile": ["(415) 555-2671", None, None, None, None, None],
            # zed moved from Camden to Soho, then signed up once more without saying
            "favourite_store": ["Soho", "Camden", None, "Soho", None, "Camden"],
            "age": ["41", "33", "old", None, None, "29"],
            "signed_up_at": ["2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z",
                             "2026-03-04T09:00:00Z", "2026-03-05T09:00:00Z", "2026-03-06T09:00:00Z"],
        }),
        landing / "newsletter" / "signups_2026-03.parquet",
    )
    # a later event sends an age that is no number: the trait is untyped there
    (landing / "events").mkdir()
    (landing / "events" / "e.jsonl").write_text(
        '{"messageId": "m1", "type": "identify", "userId": "u9", "timestamp": "2026-03-09T09:00:00Z", '
        '"traits": {"email": "xi@mail.org", "age": "twenty-nine"}}\n')


@pytest.fixture(scope="module")
def declared(tmp_path_factory):
    workspace = make_workspace(tmp_path_factory.mktemp("declared"))
    config = shipped_config()
    config["sources"]["newsletter_signups"] = NEW_SOURCE
    config["segments"]["soho_regulars"] = {
        "description": "People whose favourite store is Soho", "where": {"trait": "favourite_store", "op": "=", "value": "Soho"}}
    config["segments"]["over_thirty_five"] = {
        "description": "People over 35", "where": {"trait": "age", "op": ">", "value": 35}}
    write_landing(workspace.landing)
    result = workspace.cdp("run", CDP_CONFIG=workspace.write_config(config))
    assert result.returncode == 0, result.stderr[-5000:]
    return workspace


def test_the_new_source_lands_with_its_declared_types(declared):
    assert declared.query("select signup_id, age from raw.newsletter_signups order by 1") == [
        ("s1", 41), ("s2", 33), ("s4", None), ("s5", None), ("s6", 29)]
    assert declared.query("select reason from cdp.rejected_rows where source = 'newsletter_signups'") == [
        ("wrong type: age is not integer in age: old",)
    ]


def test_its_identifiers_join_the_profile_of_the_same_person(declared):
    ann = declared.query(
        "select identifier_type, identifier_value, sources from cdp.profile_identifiers "
        "where profile_id = (select profile_id from cdp.profile_identifiers where identifier_value = 'c1') order by 1"
    )
    assert ann == [
        ("crm_contact_id", "c1", "crm_contacts"),
        ("email", "ann@mail.org", "crm_contacts,newsletter_signups"),
        ("phone", "+14155552671", "newsletter_signups"),
    ]


def test_its_traits_reach_the_profile(declared):
    assert declared.query(
        "select t.value from cdp.profile_traits t join cdp.profiles p using (profile_id) "
        "where p.email = 'ann@mail.org' and t.trait = 'favourite_store'"
    ) == [("Soho",)]
    assert declared.scalar("select count(*) from cdp.profiles where email = 'zed@mail.org'") == 1


def test_a_new_csv_column_is_kept(tmp_path):
    config = load_config(REPO / "cdp.yml")
    crm = tmp_path / "landing" / "crm"
    crm.mkdir(parents=True)
    header = "contact_id,email,phone,first_name,last_name,company,job_title,lifecycle_stage,updated_at"
    (crm / "contacts.csv").write_text(f"{header}\nc1,a@mail.org,,A,B,C,D,lead,2026-01-01T00:00:00Z\n")
    land(tmp_path, config)
    (crm / "contacts_2.csv").write_text(f"{header},nickname\nc2,b@mail.org,,B,C,D,E,lead,2026-01-02T00:00:00Z,Bee\n")
    land(tmp_path, config)
    import duckdb

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.sql("select contact_id, nickname from raw.crm_contacts order by 1").fetchall() == [("c1", None), ("c2", "Bee")]


def test_a_declared_type_change_stops_the_load_naming_the_column(tmp_path):
    config = load_config(REPO / "cdp.yml")
    shop = tmp_path / "landing" / "shop"
    shop.mkdir(parents=True)
    (shop / "orders.jsonl").write_text('{"order_id": "o1", "email": "a@mail.org", "total": 9.5, "status": "completed", "created_at": "2026-01-01T00:00:00Z"}\n')
    land(tmp_path, config)
    config.sources["shop_orders"].columns["total"] = "integer"
    (shop / "orders_2.jsonl").write_text('{"order_id": "o2", "email": "a@mail.org", "total": 3, "status": "completed", "created_at": "2026-01-02T00:00:00Z"}\n')
    with pytest.raises(Exception, match=r"(?s)Column: `total`.*frozen"):
        land(tmp_path, config)


def members(workspace, segment):
    return workspace.query("select p.email from cdp.segment_memberships m join cdp.profiles p using (profile_id) "
                           f"where m.segment = '{segment}' order by 1")


def test_a_segment_on_its_trait_holds_the_people_whose_latest_value_matches(declared):
    # by hand from the landed rows: each person's latest non-null favourite_store
    by_hand = declared.query(
        "select email from (select lower(trim(subscriber_email)) as email, favourite_store, row_number() over "
        "(partition by lower(trim(subscriber_email)) order by signed_up_at desc) as latest "
        "from raw.newsletter_signups where favourite_store is not null) where latest = 1 and favourite_store = 'Soho' "
        "order by 1")
    assert by_hand == [("ann@mail.org",), ("zed@mail.org",)]
    assert members(declared, "soho_regulars") == by_hand


def test_a_typed_trait_compares_as_its_type(declared):
    assert members(declared, "over_thirty_five") == [("ann@mail.org",)]
    # Xi's latest age came from an event and is no number: null, and the build goes on
    assert declared.query("select t.age from cdp.profile_computed_traits t join cdp.profiles p using (profile_id) "
                          "where p.email in ('xi@mail.org', 'ann@mail.org') order by p.email") == [(41,), (None,)]
    assert declared.query("select data_type from information_schema.columns where table_schema = 'cdp' "
                          "and table_name = 'profile_computed_traits' and column_name = 'age'") == [("BIGINT",)]
