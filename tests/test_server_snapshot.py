"""The profile API's snapshot: a newly published file is indexed, and the one it
replaced is let go (its memory, and its file, which publishing already unlinked)."""

from __future__ import annotations

import gc
import os
import weakref
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
