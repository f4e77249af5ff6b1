"""Privacy requests: a person forgotten is gone from every table, file and snapshot the CDP
keeps, stays gone when their data lands again, and nobody else changes. A value never seen
changes nothing; a malformed request is kept for review, never applied."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from core.config import load_config
from core.privacy import keyed_hash, load_key
from core.raw_tables import RULES
from core.settings import Settings
from ingestion.file_source import matching_files
from ingestion.pipeline import run_landing
from tests.conftest import REPO, Workspace, built_world
from tests.landed_files import records_in

CONFIG = load_config(REPO / "cdp.yml")
# relative among buyers: a buyer less moves others' quintiles (and the SQL segment built on them)
RELATIVE = ("rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_segment")
RELATIVE_SEGMENTS = ("at_risk_high_value",)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Workspace:
    """A small sample world landed and built once; each test works on a copy."""
    return built_world(tmp_path_factory.mktemp("privacy_world"), people=120, seed=5)


def copy_of(world: Workspace, target: Path) -> Workspace:
    shutil.copytree(world.root, target, symlinks=True)
    return Workspace(target)


def person(workspace: Workspace, entangled: bool) -> tuple[str, list[str]]:
    """A profile with events, orders, a CRM contact, a loyalty card and segment memberships
    (entangled: one of its records carries an identifier another person's records carry
    too), and every value of it: identifiers as stored and as they arrived."""
    elsewhere = "exists" if entangled else "not exists"
    profile_id = workspace.scalar(f"""
        with theirs as (
            select r.profile_id, s.identifier_type, s.identifier_value
            from intermediate.int_identity__identifiers_screened as s
            inner join intermediate.int_identity__records_resolved as r using (source, record_key)
            where s.identifier_value is not null
        )
        select p.profile_id from cdp.profiles as p
        where p.order_count > 0 and p.event_count > 0 and p.pos_transaction_count > 0
            and p.profile_id in (select profile_id from cdp.profile_identifiers where identifier_type = 'crm_contact_id')
            and p.profile_id in (select profile_id from cdp.segment_memberships)
            and {elsewhere} (
                select 1 from theirs as t inner join intermediate.int_identity__identifiers_screened as s
                    using (identifier_type, identifier_value)
                left join intermediate.int_identity__records_resolved as r using (source, record_key)
                where t.profile_id = p.profile_id and r.profile_id is distinct from p.profile_id)
        order by p.profile_id limit 1""")
    assert profile_id, "the sample world has no such person"
    values = workspace.query(f"""
        select identifier_value from cdp.profile_identifiers where profile_id = '{profile_id}'
        union
        select s.raw_value from intermediate.int_identity__identifiers_screened as s
        inner join intermediate.int_identity__records_resolved as r using (source, record_key)
        where r.profile_id = '{profile_id}' and s.identifier_value in (
            select identifier_value from cdp.profile_identifiers where profile_id = '{profile_id}')""")
    return profile_id, sorted({v for (v,) in values if v})


def email_of(workspace: Workspace, profile_id: str) -> str:
    return workspace.scalar(f"select email from cdp.profiles where profile_id = '{profile_id}'")


def holding(path: Path, values: list[str]) -> list[str]:
    """(table.column) of every text column of a DuckDB file holding one of the values."""
    found = []
    lowered = [v.lower() for v in values]
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.sql("""select schema_name, table_name, list(column_name) from duckdb_columns()
                             where data_type = 'VARCHAR' and database_name = current_database() and not internal
                             group by all""").fetchall()
        for schema, table, names in columns:
            hit = " or ".join(f'contains(lower("{c}"), v)' for c in names)
            rows = con.sql(f'select distinct v from "{schema}"."{table}", (select unnest($v) as v) where {hit}',
                           params={"v": lowered}).fetchall()
            found += [f"{schema}.{table}: {v}" for (v,) in rows]
    return found


def bytes_holding(folder: Path, values: list[str]) -> list[str]:
    """Files under `folder` (but the customer's landing folder) whose bytes hold one of the
    values, in any case we write them."""
    forms = {form.encode() for v in values for form in (v, v.lower(), v.upper(), v.capitalize())}
    return [f"{path}: {form.decode()}" for path in folder.rglob("*") if path.is_file() and "landing" not in path.parts
            for form in forms if form in path.read_bytes()]


def everyone_else(workspace: Workspace, profile_id: str) -> tuple[list, list]:
    """Every other profile and segment membership, without what moves with the clock."""
    others = f"select * exclude ({', '.join(RELATIVE)}) from cdp.profiles where profile_id <> '{profile_id}' order by all"
    memberships = (f"select * from cdp.segment_memberships where profile_id <> '{profile_id}' "
                   f"and segment not in {RELATIVE_SEGMENTS!r} order by all".replace(",)", ")"))
    return workspace.query(others), workspace.query(memberships)


def reland(workspace: Workspace) -> None:
    """Every file landed before lands again, as a new file of the same source."""
    for path in sorted(p for p in workspace.landing.rglob("*.*") if "_again" not in p.name):
        stem, _, suffix = path.name.partition(".")
        shutil.copyfile(path, path.with_name(f"{stem}_again.{suffix}"))


def test_a_forgotten_person_is_gone_everywhere_and_stays_gone_when_their_data_lands_again(world, tmp_path):
    workspace = copy_of(world, tmp_path / "w")
    profile_id, values = person(workspace, entangled=False)
    email = email_of(workspace, profile_id)
    before = everyone_else(workspace, profile_id)

    result = workspace.cdp("forget", "email", f"  {email.upper()} ", "--reason", f"ticket 12, sent by {email}")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    (request_id, status, digest, reason, landed_files, notices), = workspace.query(
        "select request_id, status, identifier_hash, reason, landed_files, notices from cdp.privacy_requests")
    assert status == "completed"
    assert digest == keyed_hash(load_key(workspace.root), "email", email)  # provable, without the value
    assert reason == "ticket 12, sent by …"
    assert json.loads(notices), "the person had been sent to a destination"

    # each destination's next send said `removed`, with the request, and nothing else of them
    for changes in sorted((workspace.root / "exports").glob("*/changes/*")):
        reader = "read_parquet" if changes.suffix == ".parquet" else "read_csv"
        rows = duckdb.sql(f"select * from {reader}('{changes}') where profile_id = '{profile_id}'").fetchall()
        columns = duckdb.sql(f"select * from {reader}('{changes}') limit 0").columns
        for row in rows:
            named = {c: v for c, v in zip(columns, row) if v is not None}
            assert set(named) <= {"change_id", "action", "segment", "profile_id", "synced_at", "privacy_request_id"}
            assert named["action"] == "removed" and named["privacy_request_id"] == request_id

    # once completed, no Parquet version of the BI copy holds them, not even the one kept for slow readers
    for table in (workspace.root / "published").glob("parquet-*/*"):
        rows = str(duckdb.sql(f"select * from read_parquet('{table}/*.parquet')").fetchall())
        assert [value for value in [*values, profile_id] if value in rows] == [], table

    reland(workspace)
    again = workspace.cdp("run")
    assert again.returncode == 0, again.stderr[-4000:]
    assert "suppressed (privacy requests)" in again.stderr

    # no table holds any of their values: warehouse, BI snapshot; nor any file's bytes
    assert holding(workspace.warehouse, [*values, profile_id]) == []
    for snapshot in (workspace.root / "published").glob("*.duckdb"):
        assert holding(snapshot, [*values, profile_id]) == []
    assert bytes_holding(workspace.warehouse.parent, values) == []  # warehouse, snapshot, exports, dlt, Dagster
    assert [hit for hit in bytes_holding(workspace.root / "exports", [profile_id]) if "/changes/" not in hit] == []
    assert everyone_else(workspace, profile_id) == before

    # landed = loaded + rejected + suppressed, file by file, and the files that held them say so
    erased = json.loads(landed_files)
    assert erased and set(erased) <= {p.relative_to(workspace.landing).as_posix() for p in workspace.landing.rglob("*.*")}
    for name, source in CONFIG.sources.items():
        for path in matching_files(workspace.landing, source.files):
            file = path.relative_to(workspace.landing).as_posix()
            loaded = workspace.scalar(f"select count(*) from raw.{name} where _cdp_file = '{file}'")
            rejected, suppressed, kept = workspace.query(f"""
                select count(*), count(*) filter (reason = 'suppressed (privacy request {request_id})'),
                    count(raw_record) filter (starts_with(reason, 'suppressed'))
                from raw.rejected_rows where file = '{file}'""")[0]
            assert records_in(path) == loaded + rejected + erased.get(file, 0), file
            assert kept == 0  # a suppressed row keeps no text
            if "_again" in file:
                assert suppressed == erased.get(file.replace("_again", ""), 0), file


def test_a_value_never_seen_changes_nothing_and_malformed_requests_wait_for_review(world, tmp_path):
    workspace = copy_of(world, tmp_path / "w")
    # what a run with nothing landed leaves as it was: the marts but the segments' refresh
    # time, and the landed rows (cdp.yml's rule tables are landed again by every run)
    tables = {f"{s}.{t}" for s, t in workspace.query("select schema_name, table_name from duckdb_tables() where "
                                                     "schema_name in ('raw', 'cdp') and table_name not like '\\_dlt%' escape '\\'")}
    tables -= {"cdp.segments", *(f"raw.{rule}" for rule in RULES)}
    before = {t: workspace.query(f"select * from {t} order by all") for t in sorted(tables)}

    bad = workspace.cdp("forget", "email", "not-an-email")
    assert bad.returncode == 2 and "is invalid, kept for review: invalid email" in bad.stderr
    requests = workspace.landing / "privacy" / "requests_0612.csv"
    requests.parent.mkdir()
    requests.write_text("type,value,reason\nemail,nobody@nowhere.example,ticket 3\nfax,123,ticket 4\nemail\n")
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stderr[-4000:]
    assert "no_invalid_requests" in run.stderr  # a warning: the run goes on

    rows = workspace.query("select origin, status, outcome from cdp.privacy_requests order by received_at, origin")
    assert rows == [
        ("cli", "invalid", "invalid email: An email address must have an @-sign."),
        ("landing privacy/requests_0612.csv:2", "completed", "not found"),
        ("landing privacy/requests_0612.csv:3", "invalid", "unknown identifier type 'fax' (known: anonymous_id, "
                                                           "crm_contact_id, email, loyalty_id, phone, user_id)"),
        ("landing privacy/requests_0612.csv:4", "invalid", "expected type,value[,reason]: found 1 fields"),
    ]
    assert requests.read_text().startswith("type,value,reason")  # the customer's file, left as it was
    assert {t: workspace.query(f"select * from {t} order by all") for t in sorted(tables)} == before
    assert workspace.scalar("select count(*) from privacy.suppressions") == 0
    assert bytes_holding(workspace.root / "dagster_home", ["nobody@nowhere.example", "not-an-email"]) == []


KILL_SWITCH = REPO / "tests" / "kill_switch"
KEY = {"CDP_PRIVACY_KEY": "one-key-for-both-warehouses"}  # so their suppression hashes compare
KILLS = ("privacy.erase:_delete@6",  # inside the erasing transaction, six tables in
         "privacy.compact:_write_fresh")  # the fresh copy written, not yet renamed over the warehouse


def outcome(workspace: Workspace) -> dict:
    """What a forget leaves, without the times and ids that differ between two runs of it."""
    kept = {
        "profiles": "select * from cdp.profiles",
        "identifiers": "select * exclude (first_seen_at, last_seen_at) from cdp.profile_identifiers",
        "events": "select * exclude (loaded_at) from cdp.events",
        "memberships": "select segment, profile_id from cdp.segment_memberships",
        "screened": "select * exclude (first_loaded_at, last_loaded_at) from intermediate.int_identity__identifiers_screened",
        "raw": "select table_name, estimated_size from duckdb_tables() where schema_name = 'raw' "
               "and table_name not like '\\_dlt%' escape '\\'",
        "requests": "select kind, status, outcome, profiles_found, identifiers_found, identifiers_suppressed, "
                    "identifiers_kept, records_erased, rows_deleted, landed_files, notices from cdp.privacy_requests",
        "suppressed": "select identifier_type, identifier_hash from privacy.suppressions",
    }
    result = {name: workspace.query(f"{sql} order by all") for name, sql in kept.items()}
    result["removals_sent"] = sorted(
        (path.parent.parent.name, row) for path in (workspace.root / "exports").glob("*/changes/*.csv")
        for row in duckdb.sql(f"select action, profile_id from read_csv('{path}') where privacy_request_id is not null "
                              f"or action = 'removed'").fetchall())
    return result


@pytest.fixture(scope="module")
def forgotten(world, tmp_path_factory) -> tuple[Workspace, str, list[str]]:
    """A copy of the world after `cdp forget` of a person who shared a device with someone
    else (so their records' removal moves someone else's identifier): (workspace, email, values)."""
    workspace = copy_of(world, tmp_path_factory.mktemp("forgotten") / "w")
    profile_id, values = person(workspace, entangled=True)
    email = email_of(workspace, profile_id)
    result = workspace.cdp("forget", "email", email, **KEY)
    assert result.returncode == 0, result.stderr[-4000:]
    return workspace, email, values


def test_forgetting_someone_who_shared_a_device_equals_a_rebuild_without_them(forgotten, tmp_path):
    workspace, _, _ = forgotten
    assert workspace.scalar("select identifiers_kept from cdp.privacy_requests") > 0  # others' records keep those
    rebuilt = copy_of(workspace, tmp_path / "rebuilt")
    assert rebuilt.cdp("run", "--full-refresh", **KEY).returncode == 0
    for sql in ("select * exclude (first_seen_at, last_seen_at) from cdp.profiles",
                "select * exclude (first_seen_at, last_seen_at) from cdp.profile_identifiers",
                "select * from cdp.identity_rule_hits", "select segment, profile_id from cdp.segment_memberships"):
        assert workspace.query(f"{sql} order by all") == rebuilt.query(f"{sql} order by all"), sql


def test_unsuppress_lets_the_person_land_again(forgotten, tmp_path):
    workspace = copy_of(forgotten[0], tmp_path / "w")
    email = forgotten[1]
    lifted = workspace.cdp("unsuppress", "email", email, "--reason", f"{email} signed up again", **KEY)
    assert lifted.returncode == 0, lifted.stderr[-3000:]
    (outcome_text, reason), = workspace.query(
        "select outcome, reason from cdp.privacy_requests where kind = 'unsuppress'")
    assert outcome_text.startswith("lifted ") and reason == "… signed up again"
    assert workspace.scalar("select count(*) from privacy.suppressions where lifted_at is null") == 0
    (workspace.landing / "shop" / "orders_back.jsonl").write_text(json.dumps(
        {"order_id": "o-back", "email": email, "total": 10, "status": "completed", "created_at": "2026-11-02T00:00:00Z"}) + "\n")
    settings = Settings(warehouse=workspace.warehouse, landing_dir=workspace.landing, config_path=REPO / "cdp.yml")
    assert run_landing(settings, CONFIG).stats.sources["shop_orders"].suppressed == 0
    assert workspace.scalar("select count(*) from raw.shop_orders where order_id = 'o-back'") == 1


def test_a_forget_killed_at_any_step_and_run_again_ends_as_one_never_killed(world, forgotten, tmp_path):
    uninterrupted, email, values = forgotten
    killed = copy_of(world, tmp_path / "killed")
    for kill in KILLS:
        marker = tmp_path / "killed_at"
        result = killed.cdp("forget", "email", email, PYTHONPATH=str(KILL_SWITCH), LANDING_TEST_KILL_AFTER=kill,
                            LANDING_TEST_KILL_MARKER=str(marker), **KEY)
        assert result.returncode == -9, result.stderr[-3000:]
        assert marker.read_text() == kill
    assert killed.scalar("select status from cdp.privacy_requests") == "erased"  # the copy was never swapped in
    again = killed.cdp("forget", "email", email, **KEY)  # the same request, taken up where it stopped
    assert again.returncode == 0, again.stderr[-4000:]

    assert outcome(killed) == outcome(uninterrupted)
    assert killed.scalar("select count(*) from cdp.privacy_requests") == 1
    assert not list(killed.root.glob(".*privacy-fresh*"))
    assert bytes_holding(killed.root, values) == []
