"""Every dbt model as an asset, grouped by layer; every dbt test as an asset check."""

import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from cdp.publish import PUBLISHED_NAME, published_dir
from cdp.settings import load_settings
from orchestration.dbt.identity_report import identity_metadata
from orchestration.dbt.segment_report import segment_metadata
from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable, dbt_project
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient

# Metadata computed after the build, per asset.
REPORTS = {
    dg.AssetKey(["cdp", "profiles"]): lambda settings: identity_metadata(
        settings.warehouse, published_dir(settings) / PUBLISHED_NAME
    ),
    dg.AssetKey(["cdp", "segments"]): lambda settings: segment_metadata(settings.warehouse),
}
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


# dagster-dbt gives each invocation a target folder of its own (about 6 MB: manifest,
# run results, compiled SQL); a daily schedule would pile them up forever.
KEEP_RUN_TARGETS = 20


def prune_run_targets(keep: int) -> None:
    """Delete all but the `keep` newest per-invocation target folders of this asset."""
    folders = sorted(
        (p for p in (DBT_PROJECT_DIR / "target").glob("cdp_dbt_models-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for folder in folders[keep:]:
        shutil.rmtree(folder, ignore_errors=True)


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CdpDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def cdp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        # The reports read the warehouse, which dbt holds until it exits: from the first
        # reported asset on, events wait (in order, as Dagster requires) until then.
        held = []
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        prune_run_targets(keep=KEEP_RUN_TARGETS)
        for event in invocation.stream():
            if held or (isinstance(event, dg.Output) and context.asset_key_for_output(event.output_name) in REPORTS):
                held.append(event)
            else:
                yield event
        if not invocation.is_successful():
            error = invocation.get_error()
            retry_if_transient(error)  # dbt's error message carries its error lines
            raise error
        settings = load_settings()
        for event in held:
            report = REPORTS.get(context.asset_key_for_output(event.output_name)) if isinstance(event, dg.Output) else None
            yield event.with_metadata({**event.metadata, **report(settings)}) if report else event

    return cdp_dbt_models


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=dbt_executable())
