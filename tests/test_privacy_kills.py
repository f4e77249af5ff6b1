"""`cdp forget` killed (SIGKILL) at every stage of a request's life and taken up by the next
run: in every state a kill leaves, no identifier belongs to two profiles, and a request
says `completed` only when no table and no file holds the person any more. After the
last run: the person is gone, everyone else is as before, the counts reconcile, and a BI
reader of the published file was never broken.

The kills come from tests/kill_switch/sitecustomize.py (on PYTHONPATH in the killed runs
only), and one from the test, which kills the run's process group once dbt starts a model. The world keeps dlt's job files (LOAD__DELETE_COMPLETED_JOBS=false, the documented
debugging setting), so the step that deletes them is covered too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from core.config import load_config
from ingestion.file_source import matching_files
from ingestion.sample_data import generate_landing
from tests.conftest import CDP, REPO, Workspace, make_workspace
from tests.landed_files import records_in
from tests.test_privacy import KILL_SWITCH, bytes_holding, email_of, everyone_else, holding, person

CONFIG = load_config(REPO / "cdp.yml")
ENV = {"CDP_PRIVACY_KEY": "a-key-for-the-kill-tests", "LOAD__DELETE_COMPLETED_JOBS": "false"}

DBT_KILL = "while dbt builds "
TARGETS = REPO / "dbt_project" / "target"

# (where the run dies: after this call returns, the request's status it leaves)
KILLS = (
    ("privacy.process:_erase", "pending"),  # exports scrubbed, rows deleted, the transaction not committed
    ("privacy.process:needs_compaction", "erased"),  # committed; deleted bytes still in the file, dlt's job files kept
    ("privacy.compact:_replace", "compacted"),  # the fresh copy renamed over the warehouse
    # the run's process group killed while dbt builds the mart of identifiers from what is left
    (f"{DBT_KILL}profile_identifiers", "compacted"),
    # rebuilt, sent and published; the version kept for slow readers deleted, not yet marked
    ("orchestration.privacy.assets:drop_earlier_versions", "compacted"),
)

# a reader that holds the published file open across every run, reading it now and then
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
counts = []
for line in sys.stdin:
    counts.append(con.sql("select count(*) from cdp.profiles").fetchall()[0][0])
print(counts)
"""


def forget_killed(workspace: Workspace, email: str, kill: str, marker: Path) -> int:
    """Run `cdp forget` and kill it where `kill` says; its return code."""
    if not kill.startswith(DBT_KILL):
        return workspace.cdp("forget", "email", email, PYTHONPATH=str(KILL_SWITCH), LANDING_TEST_KILL_AFTER=kill,
                             LANDING_TEST_KILL_MARKER=str(marker), **ENV).returncode
    # dbt runs in a process of its own: the whole group goes once dbt starts on the model
    # (it writes the model's SQL into the invocation's new target folder first)
    model = f"run/cdp/models/marts/{kill.removeprefix(DBT_KILL)}.sql"
    before = set(TARGETS.glob("cdp_dbt_models-*"))
    run = subprocess.Popen([str(CDP), "forget", "email", email], cwd=REPO, env=workspace.env(**ENV),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 600
    while run.poll() is None and time.monotonic() < deadline:
        if any((folder / model).exists() for folder in set(TARGETS.glob("cdp_dbt_models-*")) - before):
            marker.write_text(kill)
            os.killpg(run.pid, signal.SIGKILL)
            break
        time.sleep(0.1)
    return run.wait()


def shared_identifiers(workspace: Workspace, path=None) -> list[tuple]:
    sql = ("select identifier_type, identifier_value, count(distinct profile_id) from cdp.profile_identifiers "
           "group by all having count(distinct profile_id) > 1")
    if path is None:
        return workspace.query(sql)
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


def not_forgotten(workspace: Workspace, values: list[str], profile_id: str) -> list[str]:
    """Files that still hold the person: any of their values, or their profile id anywhere
    but in a removal sent to a destination (a `changes` file's row marked with the request,
    and dlt's job file of that send), which names them by design."""
    hits = bytes_holding(workspace.root, values)
    for hit in bytes_holding(workspace.root, [profile_id]):
        path = Path(hit.rpartition(": ")[0])
        sent = path.parent.name == "changes" or path.name.startswith("changes.")  # an export, or dlt's job file of it
        if not (sent and removals_only(path, profile_id)):
            hits.append(hit)
    return hits


def removals_only(path: Path, profile_id: str) -> bool:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    try:
        rows = duckdb.sql(f"select * from {reader}('{path}') where profile_id = '{profile_id}'")
        named = [dict(zip(rows.columns, row)) for row in rows.fetchall()]
    except duckdb.Error:
        return False
    return bool(named) and all(r.get("action") == "removed" and r.get("privacy_request_id") for r in named)


def raw_counts(workspace: Workspace) -> dict[str, int]:
    tables = workspace.query("select table_name from duckdb_tables() where schema_name = 'raw' "
                             "and table_name not like '\\_dlt%' escape '\\'")
    return {f"raw.{t}": workspace.scalar(f'select count(*) from raw."{t}"') for (t,) in tables}


def test_a_forget_killed_at_each_stage_never_shows_a_state_that_is_not_true(tmp_path):
    started = time.monotonic()
    workspace = make_workspace(tmp_path / "w")
    generate_landing(workspace.landing, people_count=120, seed=5)
    built = workspace.cdp("run", **ENV)
    assert built.returncode == 0, built.stderr[-4000:]
    print(f"world built at {time.monotonic() - started:.0f} s")
    assert list(workspace.root.glob(".dlt_pipelines/*/load/loaded/*/completed_jobs/*")), "the world keeps job files"

    profile_id, values = person(workspace, entangled=False)
    email = email_of(workspace, profile_id)
    others_before = everyone_else(workspace, profile_id)
    raw_before = raw_counts(workspace)
    published = workspace.root / "published" / "cdp_published.duckdb"

    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "tests/bi_reader.py", str(published), str(stop)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        for kill, status in KILLS:
            marker = tmp_path / "killed_at"
            marker.unlink(missing_ok=True)
            assert forget_killed(workspace, email, kill, marker) == -9 and marker.read_text() == kill, kill
            holder.stdin.write("read\n")
            holder.stdin.flush()

            # the same request, taken up again by each run
            assert workspace.query("select status from cdp.privacy_requests") == [(status,)], kill
            assert shared_identifiers(workspace) == [], kill
            if published.exists():
                assert shared_identifiers(workspace, published) == [], kill
            if kill.endswith("drop_earlier_versions"):  # nothing is left but marking them
                assert not_forgotten(workspace, values, profile_id) == [], kill
            print(f"{kill}: {status} at {time.monotonic() - started:.0f} s")

        # the daily run after the last kill marks the request completed
        again = workspace.cdp("run", **ENV)
        assert again.returncode == 0, again.stderr[-4000:]
    finally:
        stop.touch()
        out, _ = reader.communicate(timeout=60)
        held, _ = holder.communicate("read\n", timeout=60)

    report = json.loads(out)
    assert report["errors"] == [] and report["mismatches"] == [], report
    assert report["reads"] > 10
    # the reader that held the old file open kept reading it, whole, through every swap
    assert json.loads(held) == [len(others_before[0]) + 1] * (len(KILLS) + 1)

    (status, profiles_found, records_erased, rows_deleted, landed_files), = workspace.query(
        "select status, profiles_found, records_erased, rows_deleted, landed_files from cdp.privacy_requests")
    assert status == "completed" and profiles_found == 1
    assert shared_identifiers(workspace) == [] and shared_identifiers(workspace, published) == []
    assert holding(workspace.warehouse, [*values, profile_id]) == []
    assert holding(published, [*values, profile_id]) == []
    assert not_forgotten(workspace, values, profile_id) == []
    assert not list(workspace.root.glob(".*privacy-fresh*"))
    assert everyone_else(workspace, profile_id) == others_before

    # counts reconcile: each raw table lost exactly the rows the request says it deleted,
    # and every landed record is loaded, rejected, or erased by the request
    deleted, erased_files = json.loads(rows_deleted), json.loads(landed_files)
    raw_after = raw_counts(workspace)
    assert {t: n - raw_after[t] for t, n in raw_before.items() if n != raw_after[t]} == \
        {t: n for t, n in deleted.items() if t.startswith("raw.")}
    assert sum(erased_files.values()) == records_erased > 0
    for name, source in CONFIG.sources.items():
        for path in matching_files(workspace.landing, source.files):
            file = path.relative_to(workspace.landing).as_posix()
            loaded = workspace.scalar(f"select count(*) from raw.{name} where _cdp_file = '{file}'")
            rejected = workspace.scalar(f"select count(*) from raw.rejected_rows where file = '{file}'")
            assert records_in(path) == loaded + rejected + erased_files.get(file, 0), file
    print(f"wall time {time.monotonic() - started:.0f} s")
