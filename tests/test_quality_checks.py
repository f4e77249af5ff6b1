"""GX checks run as Dagster asset checks: a blocking failure stops bad data before profiles."""

from __future__ import annotations

import json

from tests.conftest import make_workspace


def test_a_blocking_check_stops_bad_orders_from_reaching_profiles(tmp_path):
    workspace = make_workspace(tmp_path)
    shop = workspace.landing / "shop"
    shop.mkdir(parents=True)
    orders = [
        {"order_id": "o1", "email": "ann@mail.org", "total": 20.0, "status": "completed", "created_at": "2026-01-01T00:00:00Z"},
        {"order_id": "o2", "email": "bo@mail.org", "total": -5.0, "status": "completed", "created_at": "2026-01-02T00:00:00Z"},
    ]
    (shop / "orders.jsonl").write_text("\n".join(json.dumps(o) for o in orders) + "\n")
    result = workspace.cdp("run")
    assert result.returncode == 1
    assert "FAILED CHECK: raw/shop_orders:orders_have_ids_and_non_negative_totals" in result.stderr
    assert '"o2"' in result.stderr  # the sample names the offending row
    # the orders landed, but nothing downstream of them was built or published
    assert workspace.scalar("select count(*) from raw.shop_orders") == 2
    assert workspace.scalar("select count(*) from duckdb_tables() where schema_name = 'cdp'") == 0
    assert not (workspace.root / "published" / "cdp_published.duckdb").exists()

    # landed rows are validated once, but a failure is not forgotten: nothing new, still stopped
    again = workspace.cdp("run")
    assert again.returncode == 1
    assert "FAILED CHECK: raw/shop_orders:orders_have_ids_and_non_negative_totals" in again.stderr
    assert workspace.scalar("select count(*) from duckdb_tables() where schema_name = 'cdp'") == 0


def test_checks_pass_and_report_on_clean_sample_data(sample_run):
    workspace, result = sample_run
    assert "FAILED CHECK" not in result.stderr
    assert (workspace.root / "published" / "cdp_published.duckdb").exists()
