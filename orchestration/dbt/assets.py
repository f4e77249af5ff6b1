"""Every dbt model as an asset, grouped by layer; every dbt test as an asset check."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt.project import dbt_project
from orchestration.pools import WAREHOUSE_POOL

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
        yield from dbt.cli(["build"], context=context).stream()

    return cdp_dbt_models


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this Python, so a venv works without being activated.
    beside = Path(sys.executable).parent / "dbt"
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=str(beside) if beside.exists() else "dbt")
