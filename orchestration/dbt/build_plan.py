"""What one run of the dbt asset builds, decided from facts gathered before it.

A pure function of those facts, so each case is a plain unit test:
- nothing landed and nothing changed since the last full build: only the models that
  move with the clock (tagged `moves_with_clock`, and what reads them) are built;
- no full build is recorded (a first build, or the warehouse of an older version):
  the incremental models are rebuilt from all history (`--full-refresh`);
- otherwise an incremental build, adding what landed since; the incremental models
  whose definition, or one upstream of them (a model, a macro, a rule of `cdp.yml`, the
  engine), changed since their last build are rebuilt from all history in it, the
  others are not: a new leaf model rebuilds nothing else.
A full refresh can also be asked for, by the run config or the `cdp/full_refresh` run tag
(`cdp run --full-refresh`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# a run tagged with it rebuilds the incremental models from all history (`cdp run --full-refresh`)
FULL_REFRESH_TAG = "cdp/full_refresh"
# models whose result changes with the run's clock even when no input does
CLOCK_TAG = "moves_with_clock"
CLOCK_SELECTION = f"tag:{CLOCK_TAG}+"
# the environment variable naming (by unique_id) the incremental models an incremental
# build rebuilds from all history (macros/full_refresh.sql)
REFRESHED_MODELS_ENV = "CDP_DBT_FULL_REFRESH"
# dbt unit tests pin models' logic on inline rows: they are run by `dbt test --select
# test_type:unit` (tests/test_dbt_unit_tests.py), and a build of the warehouse has no use
# for them (`dbt build` runs them by default, and dagster-dbt selects them with their models)
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


@dataclass(frozen=True)
class BuildFacts:
    """What the warehouse says about this build's inputs against the last full build.
    The defaults are what an unknown reads as: changed."""

    # incremental models whose definition changed since the last full build; None: no
    # full build is recorded, so every one
    changed_models: frozenset[str] | None = None
    inputs_unchanged: bool = False  # the same landed rows and project, and every model's table there


@dataclass(frozen=True)
class BuildPlan:
    mode: Literal["clock_only", "incremental", "full_refresh"]
    args: tuple[str, ...]
    reason: str
    # a build of the whole project is what the next run's facts are measured against
    records_full_build: bool
    # on an incremental build: the incremental models rebuilt from all history
    refreshed: tuple[str, ...] = ()


def _names(unique_ids: tuple[str, ...]) -> str:
    return ", ".join(unique_id.rsplit(".", 1)[-1] for unique_id in unique_ids)


def plan_build(facts: BuildFacts, whole_project: bool, run_tags: Mapping[str, str], full_refresh: bool = False) -> BuildPlan:
    full = ("build", "--full-refresh")
    if full_refresh or run_tags.get(FULL_REFRESH_TAG) == "true":
        asked = "Run config full_refresh" if full_refresh else f"Run tagged {FULL_REFRESH_TAG}=true"
        return BuildPlan("full_refresh", full, f"{asked}: incremental models are rebuilt from all history.", whole_project)
    if whole_project and facts.inputs_unchanged:
        return BuildPlan(
            "clock_only",
            ("build", "--select", CLOCK_SELECTION),
            f"Nothing landed and no rule or model changed since the last full build: building only `{CLOCK_SELECTION}`.",
            False,
        )
    if facts.changed_models is None:
        # history tables (config full_refresh=false) keep theirs
        return BuildPlan(
            "full_refresh",
            full,
            "No full build is recorded (a first build, or a warehouse of an older version): "
            "incremental models are rebuilt from all history.",
            whole_project,
        )
    if facts.changed_models:
        refreshed = tuple(sorted(facts.changed_models))
        return BuildPlan(
            "incremental",
            ("build",),
            f"Incremental build; {len(refreshed)} incremental models are rebuilt from all history, as their definition "
            f"or one upstream of them changed since their last build: {_names(refreshed)}.",
            whole_project,
            refreshed,
        )
    return BuildPlan("incremental", ("build",), "Incremental build: the incremental models add what landed since their last build.", whole_project)
