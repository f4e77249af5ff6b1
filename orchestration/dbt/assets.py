"""Every dbt model as an asset, grouped by folder; every dbt test as an asset check.

The asset gathers the facts about its inputs (build_inputs), lets build_plan decide what
to build, runs dbt, and after a build of the whole project records it. Target folders
are kept tidy by targets; keys and groups come from translator.
"""

import json
from collections.abc import Callable
from graphlib import TopologicalSorter

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets
from pydantic import Field

from core.settings import Settings
from orchestration.dbt import build_inputs
from orchestration.dbt.build_plan import CLOCK_TAG, BuildFacts, plan_build
from orchestration.dbt.identity_report import identity_metadata
from orchestration.dbt.project import dbt_project
from orchestration.dbt.segment_report import segment_metadata
from orchestration.dbt.targets import keep_partial_parse, prune_run_targets, run_target
from orchestration.dbt.translator import CdpDbtTranslator
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient

UNCHANGED_KEY = "unchanged"
UNCHANGED = "nothing landed and no rule or model changed since the last full build"


class DbtBuildConfig(dg.Config):
    """Options of one run of the dbt models (the launchpad's config)."""

    full_refresh: bool = Field(
        default=False, description="Rebuild the incremental models from all history (history tables keep theirs)."
    )


def _reports(settings: Settings) -> dict[dg.AssetKey, Callable[[], dict]]:
    """Metadata computed after the build, per asset."""
    return {
        dg.AssetKey(["cdp", "profiles"]): lambda: identity_metadata(settings.warehouse, settings.published_snapshot),
        dg.AssetKey(["cdp", "segments"]): lambda: segment_metadata(settings.warehouse),
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
        facts, inputs, definition = BuildFacts(), None, None
        try:  # only shortcuts: never a reason to fail the run
            manifest = json.loads(project.manifest_path.read_text())
            facts, inputs, definition = build_inputs.read_facts(settings.warehouse, manifest, whole_project)
        except (duckdb.Error, OSError, ValueError) as error:
            context.log.warning(f"Could not fingerprint the build's inputs ({error}); rebuilding everything.")
        plan = plan_build(facts, whole_project, context.run.tags, config.full_refresh)
        context.log.info(plan.reason)
        if plan.mode == "clock_only":
            # dagster-dbt adds the context's selection (all of it) to any --select given,
            # so this invocation runs without the context and its events are mapped back
            invocation = dbt.cli(list(plan.args), manifest=project.manifest_path, dagster_dbt_translator=CdpDbtTranslator(),
                                 target_path=run_target(context.run_id, "-clock"), raise_on_error=False)
            events = (_as_asset_event(context, event) for event in invocation.stream())
        else:
            invocation = dbt.cli(list(plan.args), context=context, raise_on_error=False)
            events = invocation.stream()
        prune_run_targets()
        if plan.mode == "clock_only":
            # The models left alone hold exactly what the last full build wrote: say so,
            # upstream first, so the exports and the published snapshot run on them.
            for key in _left_alone(context.assets_def):
                yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                                metadata={UNCHANGED_KEY: UNCHANGED})
        # The reports read the warehouse, which dbt holds until it exits: from the first
        # reported asset on, events wait (in order, as Dagster requires) until then.
        held = []
        for event in events:
            if held or (isinstance(event, dg.Output) and context.asset_key_for_output(event.output_name) in reports):
                held.append(event)
            else:
                yield event
        keep_partial_parse(invocation.target_path)
        if not invocation.is_successful():
            error = invocation.get_error()
            retry_if_transient(error)  # dbt's error message carries its error lines
            raise error
        if plan.records_full_build:
            build_inputs.record_full_build(settings.warehouse, inputs, definition, context.run_id)
        for event in held:
            report = reports.get(context.asset_key_for_output(event.output_name)) if isinstance(event, dg.Output) else None
            yield event.with_metadata({**event.metadata, **report()}) if report else event

    return cdp_dbt_models
