"""How dbt's models appear in Dagster: keyed by schema and name, grouped by folder."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject

from orchestration.privacy import REQUESTS_KEY


def group_for(fqn: list[str]) -> str:
    """A model's group: the folder under its layer (intermediate/identity -> identity,
    marts/segments/sql -> segments), or the layer where it sits at the top (staging, marts)."""
    folders = fqn[1:-1]  # without the project and the model's name
    return folders[1] if len(folders) > 1 else folders[0]


class CdpDbtTranslator(DagsterDbtTranslator):
    """Models keyed by schema and name (`cdp/profiles`), grouped by folder; sources keep
    the keys their `meta.dagster.asset_key` gives them (the landing assets). A model that
    reads landed data also follows `privacy/requests`, so a run without landing (`cdp
    forget`) builds after the people it forgets are gone."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] != "model":
            return spec
        reads_landed = any(node.startswith("source.") for node in props.get("depends_on", {}).get("nodes", []))
        deps = [*spec.deps, dg.AssetDep(REQUESTS_KEY)] if reads_landed else spec.deps
        return spec.replace_attributes(key=dg.AssetKey([props["schema"], props["name"]]), group_name=group_for(props["fqn"]),
                                       deps=deps)
