"""Segment membership and its history across daily runs, on data made in the test."""

from __future__ import annotations

import json

from tests.conftest import make_workspace


def write_orders(workspace, name: str, orders: list[dict]) -> None:
    shop = workspace.landing / "shop"
    shop.mkdir(parents=True, exist_ok=True)
    (shop / name).write_text("".join(json.dumps({"currency": "USD", "status": "completed", **o}) + "\n" for o in orders))


def members(workspace, segment: str) -> set[str]:
    return {r[0] for r in workspace.query(
        f"select p.email from cdp.segment_memberships m join cdp.profiles p using (profile_id) where m.segment = '{segment}'"
    )}


def test_members_enter_and_exit_and_history_keeps_every_stay(tmp_path):
    workspace = make_workspace(tmp_path)
    write_orders(workspace, "orders_1.jsonl", [
        {"order_id": "o1", "email": "ann@mail.org", "total": 600, "created_at": "2026-10-01T00:00:00Z"},
        {"order_id": "o2", "email": "bo@mail.org", "total": 100, "created_at": "2026-10-02T00:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    assert members(workspace, "high_value") == {"ann@mail.org"}

    # a day later: Bo buys more, Ann's order is refunded (the shop re-exports it)
    write_orders(workspace, "orders_2.jsonl", [
        {"order_id": "o3", "email": "bo@mail.org", "total": 450, "created_at": "2026-10-05T00:00:00Z"},
        {"order_id": "o1", "email": "ann@mail.org", "total": 600, "status": "refunded", "created_at": "2026-10-01T00:00:00Z"},
    ])
    assert workspace.cdp("run").returncode == 0
    assert members(workspace, "high_value") == {"bo@mail.org"}
    assert workspace.query("select size, entered_this_run, exited_this_run from cdp.segments where name = 'high_value'") == [(1, 1, 1)]
    stays = workspace.query(
        """select p.identifier_value, h.exited_at is null from cdp.segment_membership_history h
           join cdp.profile_identifiers p on p.profile_id = h.profile_id and p.identifier_type = 'email'
           where h.segment = 'high_value' order by h.entered_at, p.identifier_value"""
    )
    assert stays == [("ann@mail.org", False), ("bo@mail.org", True)]

    # a run with nothing new changes no membership
    history = workspace.query("select * from cdp.segment_membership_history order by all")
    assert workspace.cdp("run").returncode == 0
    assert workspace.query("select * from cdp.segment_membership_history order by all") == history
    assert workspace.query("select entered_this_run, exited_this_run from cdp.segments where name = 'high_value'") == [(0, 0)]


def test_the_lapsed_customers_window_is_relative_to_the_run(tmp_path):
    from datetime import datetime, timedelta, timezone

    recent = (datetime.now(timezone.utc) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    workspace = make_workspace(tmp_path)
    write_orders(workspace, "orders.jsonl", [
        {"order_id": "o1", "email": "old@mail.org", "total": 10, "created_at": "2025-01-01T00:00:00Z"},
        {"order_id": "o2", "email": "new@mail.org", "total": 10, "created_at": recent},
    ])
    assert workspace.cdp("run").returncode == 0
    assert members(workspace, "lapsed_customers") == {"old@mail.org"}


def test_a_sql_model_listed_in_the_segments_folder_is_a_segment_on_the_next_run(tmp_path):
    from core.marts import DBT_PROJECT_FILE
    from core.segment_compiler import SQL_SEGMENTS_DIR

    workspace = make_workspace(tmp_path)
    write_orders(workspace, "orders_1.jsonl", [
        {"order_id": "o1", "email": "ann@mail.org", "total": 80, "created_at": "2026-10-01T00:00:00Z"},
        {"order_id": "o2", "email": "bo@mail.org", "total": 20, "created_at": "2026-10-02T00:00:00Z"},
    ])
    model = SQL_SEGMENTS_DIR / "test_big_basket_buyers.sql"
    project = DBT_PROJECT_FILE.read_text()
    listed = project.replace("sql_segments: [", "sql_segments: [test_big_basket_buyers, ", 1)
    assert listed != project
    model.write_text("select profile_id from {{ ref('orders') }} where total >= 50 and profile_id is not null\n")
    DBT_PROJECT_FILE.write_text(listed)  # dbt_project.yml lists every SQL segment (vars.sql_segments)
    try:
        run = workspace.cdp("run")
        assert run.returncode == 0, run.stdout + run.stderr
        assert members(workspace, "test_big_basket_buyers") == {"ann@mail.org"}
        assert workspace.query(
            "select kind, size from cdp.segments where name = 'test_big_basket_buyers'"
        ) == [("sql", 1)]
        # the shipped SQL segment is there too, with the description from its yml
        assert workspace.query("select kind, description like 'Customers with lifetime value%' "
                               "from cdp.segments where name = 'at_risk_high_value'") == [("sql", True)]
    finally:
        DBT_PROJECT_FILE.write_text(project)
        model.unlink()
