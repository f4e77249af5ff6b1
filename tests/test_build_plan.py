"""What the dbt asset builds, decided from the facts about its inputs (no dbt, no warehouse)."""

from __future__ import annotations

from orchestration.dbt.build_plan import CLOCK_SELECTION, FULL_REFRESH_TAG, BuildFacts, plan_build

UNCHANGED = BuildFacts(changed_models=frozenset(), inputs_unchanged=True)
NEW_ROWS = BuildFacts(changed_models=frozenset(), inputs_unchanged=False)


def test_nothing_new_builds_only_what_moves_with_the_clock_and_records_nothing():
    plan = plan_build(UNCHANGED, whole_project=True, run_tags={})
    assert (plan.mode, plan.args, plan.records_full_build) == ("clock_only", ("build", "--select", CLOCK_SELECTION), False)


def test_new_rows_under_the_same_rules_add_to_the_incremental_models():
    plan = plan_build(NEW_ROWS, whole_project=True, run_tags={})
    assert (plan.mode, plan.args, plan.records_full_build, plan.refreshed) == ("incremental", ("build",), True, ())


def test_only_the_incremental_models_whose_definition_changed_are_rebuilt_from_all_history():
    changed = BuildFacts(changed_models=frozenset({"model.cdp.events", "model.cdp.int_identity__nodes_assigned"}))
    plan = plan_build(changed, whole_project=True, run_tags={})
    assert (plan.mode, plan.args, plan.records_full_build) == ("incremental", ("build",), True)
    assert plan.refreshed == ("model.cdp.events", "model.cdp.int_identity__nodes_assigned")
    assert "rebuilt from all history" in plan.reason and "events, int_identity__nodes_assigned" in plan.reason


def test_no_recorded_build_rebuilds_everything_from_all_history():
    plan = plan_build(BuildFacts(changed_models=None), whole_project=True, run_tags={})
    assert (plan.mode, plan.args, plan.records_full_build) == ("full_refresh", ("build", "--full-refresh"), True)


def test_unknown_facts_read_as_changed():
    assert plan_build(BuildFacts(), whole_project=True, run_tags={}).mode == "full_refresh"


def test_a_full_refresh_asked_for_wins_over_nothing_new():
    by_tag = plan_build(UNCHANGED, whole_project=True, run_tags={FULL_REFRESH_TAG: "true"})
    by_config = plan_build(UNCHANGED, whole_project=True, run_tags={}, full_refresh=True)
    assert by_tag.args == by_config.args == ("build", "--full-refresh")
    assert f"{FULL_REFRESH_TAG}=true" in by_tag.reason


def test_a_partial_selection_never_takes_the_shortcut_nor_records_a_full_build():
    plan = plan_build(UNCHANGED, whole_project=False, run_tags={})
    assert (plan.mode, plan.records_full_build) == ("incremental", False)
