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
