"""Every dbt model as an asset, grouped by folder; every dbt test as an asset check.
On Spark the same, with the Spark steps around dbt (orchestration/spark_steps.py).

The asset gathers the facts about its inputs (build_inputs), lets build_plan decide what
to build, runs dbt, and after a build of the whole project records it. dbt's events are
held until dbt exits, then given their tables' row counts (row_counts) and the reports
(identity, segments), which read the warehouse dbt holds while it runs. Models a
clock-only build leaves alone keep their last metadata and check results (carry_over).
Target folders are kept tidy by targets; keys and groups come from translator.
"""

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from graphlib import TopologicalSorter

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliInvocation, DbtCliResource, dbt_assets
from pydantic import Field

from core.settings import Settings
from core.warehouse_lock import lock_error, retry_while_locked, wait_until_writable
from orchestration.dbt import build_inputs
from orchestration.dbt.build_plan import CLOCK_TAG, REFRESHED_MODELS_ENV, WITHOUT_UNIT_TESTS, BuildFacts, BuildPlan, plan_build
from orchestration.dbt.carry_over import carried_over
from orchestration.dbt.identity_report import identity_metadata, profiles_at_a_cap
from orchestration.dbt.project import dbt_project
from orchestration.dbt.row_counts import row_counts, with_row_count
from orchestration.dbt.segment_report import segment_metadata
from orchestration.dbt.targets import keep_partial_parse, prune_run_targets, run_target
from orchestration.dbt.translator import CdpDbtTranslator
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient
from orchestration.spark_steps import copy_for_duckdb, holding_spark, raw_into_lake

# Metadata added to a failed check, by the part of its name that says what it checks.
CHECK_REPORTS = {"identity_cap_reached": lambda settings: profiles_at_a_cap(settings.warehouse, settings.lock_wait_seconds)}


class DbtBuildConfig(dg.Config):
    """Options of one run of the dbt models (the launchpad's config)."""

    full_refresh: bool = Field(
        default=False, description="Rebuild the incremental models from all history (history tables keep theirs)."
    )


def _reports(settings: Settings) -> dict[dg.AssetKey, Callable[[], dict]]:
    """Metadata computed after the build, per asset."""
    return {
        dg.AssetKey(["cdp", "profiles"]): lambda: identity_metadata(settings.warehouse, settings.published_snapshot,
                                                                    settings.lock_wait_seconds),
        dg.AssetKey(["cdp", "segments"]): lambda: segment_metadata(settings.warehouse, settings.lock_wait_seconds),
    }


def _as_asset_event(context: AssetExecutionContext, event):
    """An event of a dbt invocation run without the context, as the asset's own."""
    if isinstance(event, dg.AssetMaterialization):
        return dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(event.asset_key),
                         metadata=event.metadata)
    if isinstance(event, dg.AssetCheckEvaluation):
        return dg.AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                                   severity=event.severity, metadata=event.metadata)
    return event


def _with_check_report(event: dg.AssetCheckResult, settings: Settings) -> dg.AssetCheckResult:
    """A failed check with what its report adds (the profiles a cap warning is about)."""
    report = next((make for part, make in CHECK_REPORTS.items() if part in (event.check_name or "")), None)
    if event.passed or report is None:
        return event
    return event._replace(metadata={**event.metadata, **report(settings)})


def _left_alone(assets_def: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The models a clock-only build leaves alone, in dependency order: all but those
    tagged `moves_with_clock` and what is downstream of them."""
    deps = {key: set(assets_def.asset_deps.get(key, ())) & assets_def.keys for key in assets_def.keys}
    moving = {key for key in assets_def.keys if CLOCK_TAG in assets_def.specs_by_key[key].tags}
    order = list(TopologicalSorter(deps).static_order())
    for key in order:
        if deps[key] & moving:
            moving.add(key)
    return [key for key in order if key not in moving]


@contextmanager
def _refreshing(plan: BuildPlan) -> Iterator[None]:
    """dbt's environment names the incremental models it rebuilds from all history
    (macros/full_refresh.sql), for this invocation only."""
    os.environ[REFRESHED_MODELS_ENV] = ",".join(plan.refreshed)
    try:
        yield
    finally:
        del os.environ[REFRESHED_MODELS_ENV]


def _run_dbt(context: AssetExecutionContext, dbt: DbtCliResource, plan: BuildPlan,
             settings: Settings) -> tuple[DbtCliInvocation, list]:
    """Run dbt to the end under the warehouse's lock policy: wait for another process's
    lock before starting it, and start it again if it failed on one before building anything."""
    project = dbt_project()
    deadline = time.monotonic() + settings.lock_wait_seconds

    def attempt() -> tuple[DbtCliInvocation, list]:
        wait_until_writable(settings.warehouse, max(0.0, deadline - time.monotonic()), "dbt")
        if plan.mode == "clock_only":
            # dagster-dbt adds the context's selection (all of it) to any --select given,
            # so this invocation runs without the context and its events are mapped back
            invocation = dbt.cli([*plan.args, *WITHOUT_UNIT_TESTS], manifest=project.manifest_path, dagster_dbt_translator=CdpDbtTranslator(),
                                 target_path=run_target(context.run_id, "-clock"), raise_on_error=False)
            events = [_as_asset_event(context, event) for event in invocation.stream()]
        else:
            invocation = dbt.cli([*plan.args, *WITHOUT_UNIT_TESTS], context=context, raise_on_error=False)
            events = list(invocation.stream())
        error = invocation.get_error()
        if error is not None and lock_error(error) and not any(isinstance(e, dg.Output) for e in events):
            raise error
        return invocation, events

    with _refreshing(plan):
        return retry_while_locked(attempt, settings.warehouse, settings.lock_wait_seconds, "dbt")


def build_dbt_assets(settings: Settings) -> dg.AssetsDefinition:
    project = dbt_project()
    reports = _reports(settings)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CdpDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def cdp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        whole_project = set(context.selected_asset_keys) == set(context.assets_def.keys)
        manifest = json.loads(project.manifest_path.read_text())
        facts, inputs = BuildFacts(), None
        try:  # only shortcuts: never a reason to fail the run
            facts, inputs = build_inputs.read_facts(settings.warehouse, manifest, whole_project, settings.lock_wait_seconds)
        except (duckdb.Error, OSError, ValueError) as error:
            context.log.warning(f"Could not fingerprint the build's inputs ({error}); rebuilding everything.")
        plan = plan_build(facts, whole_project, context.run.tags, config.full_refresh)
        context.log.info(plan.reason)
        spark = settings.engine == "spark"
        # on Spark: the raw tables into the lake first, and after the build the views that
        # let everything downstream read Spark's tables with DuckDB SQL (orchestration/spark_steps.py)
        with holding_spark(settings, context.log.info) if spark else nullcontext():
            if spark:
                raw_into_lake(settings, build_inputs.landed_fingerprint(settings.warehouse, settings.lock_wait_seconds),
                              context.log.info)
            invocation, events = _run_dbt(context, dbt, plan, settings)
            if spark and invocation.is_successful():
                copy_for_duckdb(settings, context.run_id, context.log.info)
        keep_partial_parse(invocation.target_path)
        prune_run_targets()
        if plan.mode == "clock_only":
            # upstream first, so the exports and the published snapshot run on them
            yield from carried_over(context, _left_alone(context.assets_def))
        try:
            counts = row_counts(settings.warehouse, manifest, events, settings.lock_wait_seconds)
        except duckdb.Error as error:  # metadata: never a reason to fail the run
            context.log.warning(f"Could not count the rows of the models built ({error}).")
            counts = {}
        for event in events:
            if isinstance(event, dg.AssetCheckResult):
                yield _with_check_report(event, settings)
                continue
            event = with_row_count(event, counts)
            report = reports.get(context.asset_key_for_output(event.output_name)) if isinstance(event, dg.Output) else None
            yield event.with_metadata({**event.metadata, **report()}) if report else event
        if not invocation.is_successful():
            error = invocation.get_error()
            retry_if_transient(error)  # dbt's error message carries its error lines
            raise error
        if plan.records_full_build:
            build_inputs.record_full_build(settings.warehouse, inputs, context.run_id, settings.lock_wait_seconds)

    return cdp_dbt_models
