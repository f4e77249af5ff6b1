"""Every dbt model as an asset, grouped by layer; every dbt test as an asset check."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from cdp.publish import PUBLISHED_NAME, published_dir
from cdp.settings import load_settings
from orchestration.dbt.identity_report import identity_metadata
from orchestration.dbt.project import dbt_project
from orchestration.pools import WAREHOUSE_POOL
from orchestration.retries import retry_if_transient

PROFILES_KEY = dg.AssetKey(["cdp", "profiles"])
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


def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CdpDbtTranslator(),
        pool=WAREHOUSE_POOL,
    )
    def cdp_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource):
        held = []
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        for event in invocation.stream():
            # The identity report reads the warehouse, which dbt holds until it exits.
            if isinstance(event, dg.Output) and context.asset_key_for_output(event.output_name) == PROFILES_KEY:
                held.append(event)
            else:
                yield event
        if not invocation.is_successful():
            error = invocation.get_error()
            retry_if_transient(error)  # dbt's error message carries its error lines
            raise error
        settings = load_settings()
        for event in held:
            previous = published_dir(settings) / PUBLISHED_NAME
            yield event.with_metadata({**event.metadata, **identity_metadata(settings.warehouse, previous)})

    return cdp_dbt_models


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python, so a venv works without being activated.
    beside = Path(sys.executable).parent / "dbt"
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=str(beside) if beside.exists() else "dbt")
