"""Every dbt model as an asset, grouped by layer; every dbt test as an asset check."""

import json
import os
import shutil
from collections.abc import Mapping
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from cdp.publish import PUBLISHED_NAME, published_dir
from cdp.settings import load_settings
from orchestration.dbt import build_inputs
from orchestration.dbt.identity_report import identity_metadata, profiles_at_a_cap
from orchestration.dbt.segment_report import segment_metadata
from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_project
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient

# Metadata computed after the build, per asset.
REPORTS = {
    dg.AssetKey(["cdp", "profiles"]): lambda settings: identity_metadata(
        settings.warehouse, published_dir(settings) / PUBLISHED_NAME
    ),
    dg.AssetKey(["cdp", "segments"]): lambda settings: segment_metadata(settings.warehouse),
}
# Metadata added to a failed check, by the part of its name that says what it checks.
CHECK_REPORTS = {"identity_cap_reached": lambda settings: profiles_at_a_cap(settings.warehouse)}
LAYER_GROUPS = {"staging": "staging", "intermediate": "identity", "marts": "marts"}


class CdpDbtTranslator(DagsterDbtTranslator):
    """Models keyed by schema and name (`cdp/profiles`), grouped by layer; sources keep
    the keys their `meta.dagster.asset_key` gives them (the landing assets)."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] != "model":
            return spec
        layer = props["fqn"][1] if len(props["fqn"]) > 2 else "marts"
        return spec.replace_attributes(
            key=dg.AssetKey([props["schema"], props["name"]]),
            group_name=LAYER_GROUPS.get(layer, layer),
        )


TARGET_DIR = DBT_PROJECT_DIR / "target"
PARTIAL_PARSE = "partial_parse.msgpack"

# dagster-dbt gives each invocation a target folder of its own (about 6 MB: manifest,
# run results, compiled SQL); a daily schedule would pile them up forever.
KEEP_RUN_TARGETS = 20


def run_targets() -> list[Path]:
    """The per-invocation target folders of this asset."""
    return [p for p in TARGET_DIR.glob("cdp_dbt_models-*") if p.is_dir()]


def prune_run_targets(keep: int) -> None:
    """Delete all but the `keep` newest per-invocation target folders of this asset."""
    folders = sorted(run_targets(), key=lambda p: p.stat().st_mtime, reverse=True)
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def keep_partial_parse(invocation_target: Path) -> None:
    """Make an invocation's partial-parse state the one the next invocation starts from.

    dagster-dbt copies `target/partial_parse.msgpack` into each invocation's own folder,
    and never back. dbt parses the whole project again when the profile differs from the
    one that file was written with (the warehouse path is part of it): with a warehouse
    elsewhere than the one `make setup` parsed for, every run parsed in full (2.2 s here,
    more in a larger project). The file is replaced whole, so a concurrent reader sees
    the old one or the new one."""
    written = DBT_PROJECT_DIR / invocation_target / PARTIAL_PARSE
    kept = TARGET_DIR / PARTIAL_PARSE
    if not written.is_file() or (kept.is_file() and kept.stat().st_mtime_ns >= written.stat().st_mtime_ns):
        return
    staged = kept.with_name(f".{PARTIAL_PARSE}.{os.getpid()}")
    shutil.copyfile(written, staged)
    os.replace(staged, kept)


UNCHANGED_KEY = "unchanged"
UNCHANGED = "nothing landed and no rule or model changed since the last full build"


def _as_asset_event(context: AssetExecutionContext, event):
    """An event of a dbt invocation run without the context, as the asset's own."""
    if isinstance(event, dg.AssetMaterialization):
        return dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(event.asset_key),
                         metadata=event.metadata)
    if isinstance(event, dg.AssetCheckEvaluation):
        return dg.AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                                   severity=event.severity, metadata=event.metadata)
    return event


def _with_check_report(event: dg.AssetCheckResult, settings) -> dg.AssetCheckResult:
    """A failed check with what its report adds (the profiles a cap warning is about)."""
    report = next((make for part, make in CHECK_REPORTS.items() if part in (event.check_name or "")), None)
    if event.passed or report is None:
        return event
    return event._replace(metadata={**event.metadata, **report(settings)})


def _left_alone(assets_def: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The models a clock-only build leaves alone, in dependency order: all but those
    tagged `moves_with_clock` and what is downstream of them."""
    deps = {key: set(assets_def.asset_deps.get(key, ())) & assets_def.keys for key in assets_def.keys}
    moving = {key for key in assets_def.keys if build_inputs.CLOCK_TAG in assets_def.specs_by_key[key].tags}
    order = list(TopologicalSorter(deps).static_order())
    for key in order:
        if deps[key] & moving:
            moving.add(key)
    return [key for key in order if key not in moving]


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CdpDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def cdp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        settings = load_settings()
        whole_project = set(context.selected_asset_keys) == set(context.assets_def.keys)
        inputs, definition, clock_only, full_refresh = None, None, False, True
        try:  # only shortcuts: never a reason to fail the run
            manifest = json.loads(project.manifest_path.read_text())
            inputs, definition = build_inputs.fingerprint(settings.warehouse, manifest) or (None, None)
            full_refresh = build_inputs.definition_changed(settings.warehouse, definition)
            clock_only = whole_project and build_inputs.unchanged_since_last_full_build(settings.warehouse, manifest, inputs)
        except (duckdb.Error, OSError, ValueError) as error:
            context.log.warning(f"Could not fingerprint the build's inputs ({error}); rebuilding everything.")
        forced = context.run.tags.get(build_inputs.FULL_REFRESH_TAG) == "true"
        if forced:
            context.log.info(f"Run tagged {build_inputs.FULL_REFRESH_TAG}=true: incremental models are rebuilt from all history.")
            full_refresh, clock_only = True, False
        if clock_only:
            context.log.info("Nothing landed and no rule or model changed since the last full build: "
                             f"building only `{build_inputs.CLOCK_SELECTION}`.")
            # dagster-dbt adds the context's selection (all of it) to any --select given,
            # so this invocation runs without the context and its events are mapped back
            invocation = dbt.cli(
                ["build", "--select", build_inputs.CLOCK_SELECTION],
                manifest=project.manifest_path,
                dagster_dbt_translator=CdpDbtTranslator(),
                target_path=Path("target") / f"cdp_dbt_models-{context.run_id[:7]}-clock",
                raise_on_error=False,
            )
            events = (_as_asset_event(context, event) for event in invocation.stream())
        else:
            if full_refresh and not forced:
                # the rules or the models changed (or this is the first build): what the
                # incremental models hold was computed by other ones. History tables
                # (config full_refresh=false) keep theirs.
                context.log.info("No full build is recorded with these rules and this dbt project (a first build, "
                                 "or they changed): incremental models are rebuilt from all history.")
            invocation = dbt.cli(["build", *(["--full-refresh"] if full_refresh else [])], context=context,
                                 raise_on_error=False)
            events = invocation.stream()
        prune_run_targets(keep=KEEP_RUN_TARGETS)
        if clock_only:
            # The models left alone hold exactly what the last full build wrote: say so,
            # upstream first, so the exports and the published snapshot run on them.
            for key in _left_alone(context.assets_def):
                yield dg.Output(None, output_name=context.assets_def.get_output_name_for_asset_key(key),
                                metadata={UNCHANGED_KEY: UNCHANGED})
        # The reports read the warehouse, which dbt holds until it exits: from the first
        # reported asset on, events wait (in order, as Dagster requires) until then.
        held = []
        for event in events:
            if held or (isinstance(event, dg.Output) and context.asset_key_for_output(event.output_name) in REPORTS):
                held.append(event)
            else:
                yield event
        keep_partial_parse(invocation.target_path)
        if not invocation.is_successful():
            error = invocation.get_error()
            retry_if_transient(error)  # dbt's error message carries its error lines
            raise error
        if whole_project and not clock_only:
            build_inputs.record_full_build(settings.warehouse, inputs, definition, context.run_id)
        for event in held:
            if isinstance(event, dg.AssetCheckResult):
                yield _with_check_report(event, settings)
                continue
            report = REPORTS.get(context.asset_key_for_output(event.output_name)) if isinstance(event, dg.Output) else None
            yield event.with_metadata({**event.metadata, **report(settings)}) if report else event

    return cdp_dbt_models

