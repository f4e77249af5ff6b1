"""dbt models in Dagster: grouped by the folder they sit in, identity holding only identity."""

from __future__ import annotations

import dagster as dg
import pytest

from core.settings import load_settings
from orchestration.dbt.assets import build_dbt_assets
from orchestration.dbt.translator import group_for


@pytest.mark.parametrize(
    ("fqn", "group"),
    [
        (["cdp", "staging", "stg_shop__orders"], "staging"),
        (["cdp", "intermediate", "identity", "int_identity__nodes"], "identity"),
        (["cdp", "intermediate", "profiles", "int_profiles__rfm"], "profiles"),
        (["cdp", "marts", "profiles"], "marts"),
        (["cdp", "marts", "segments", "sql", "at_risk_high_value"], "segments"),
    ],
)
def test_a_model_is_grouped_by_the_folder_under_its_layer(fqn, group):
    assert group_for(fqn) == group


def test_the_identity_group_holds_only_identity_models():
    specs = build_dbt_assets(load_settings()).specs
    identity = {spec.key.path[-1] for spec in specs if spec.group_name == "identity"}
    assert identity and all(name.startswith("int_identity__") for name in identity)
    assert next(s for s in specs if s.key == dg.AssetKey(["cdp", "segments"])).group_name == "segments"


def test_a_singular_test_over_several_models_is_the_check_of_the_one_it_names():
    checks = {(key.asset_key.to_user_string(), key.name) for key in build_dbt_assets(load_settings()).check_keys}
    assert ("intermediate/int_identity__nodes_assigned", "assert_kept_identity_rows_are_unique") in checks
