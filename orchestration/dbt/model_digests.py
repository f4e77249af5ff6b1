"""What each node of the dbt project is computed from, as one digest per node.

A node's digest covers its own definition (its file's checksum, the config that shapes
its table, its columns' declared types, a generic test's arguments), the macros it calls
and theirs, and the digests of every node and source it reads. A change anywhere
upstream of a model changes its digest; a change beside or below it (a new leaf model,
a new test) does not. The sources of the rules `cdp.yml` lands (tables replaced on every
load) carry their content, so a changed rule changes every model that reads it. What
changes on every parse (times, ids, absolute paths) is left out.

Incremental models add to what earlier builds left, which equals a rebuild only while
their digest stays the same: `changed_incremental_models` says which must be rebuilt
from all history. A group of models kept together (config `meta: full_refresh_group`,
the identity graph's tables, which read each other by name) is rebuilt whole.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

# Config that says how a table is described or governed, not what it holds.
DESCRIPTIVE_CONFIG = {"tags", "meta", "docs", "persist_docs", "grants", "access", "group"}
GROUP_KEY = "full_refresh_group"


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _column_types(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {name: [column.get("data_type"), column.get("constraints")] for name, column in resource["columns"].items()}


def node_digests(manifest: Mapping[str, Any], rules: Mapping[str, str], engine: str) -> dict[str, str]:
    """unique_id -> digest, for every node (models, tests, hooks) and source; `rules` maps
    a replaced source table's name to a digest of its content; `engine` names the
    versions that compute the tables."""
    nodes, sources, macros = manifest["nodes"], manifest["sources"], manifest["macros"]
    macro_digests: dict[str, str] = {}
    digests: dict[str, str] = {}

    def macro_digest(unique_id: str) -> str:
        if unique_id not in macro_digests:
            macro_digests[unique_id] = unique_id  # while computing it: a macro that calls itself
            macro = macros.get(unique_id)
            macro_digests[unique_id] = _hash([macro["macro_sql"], sorted(macro_digest(m) for m in macro["depends_on"]["macros"])]
                                             ) if macro else _hash(unique_id)
        return macro_digests[unique_id]

    def digest(unique_id: str) -> str:
        if unique_id in digests:
            return digests[unique_id]
        if unique_id in sources:
            source = sources[unique_id]
            value = _hash({"relation": [source["schema"], source["identifier"]], "columns": _column_types(source),
                           "content": rules.get(source["identifier"])})
        elif unique_id in nodes:
            node = nodes[unique_id]
            value = _hash({
                "checksum": node["checksum"]["checksum"],
                "config": {k: v for k, v in node["config"].items() if k not in DESCRIPTIVE_CONFIG},
                "columns": _column_types(node),
                "test": node.get("test_metadata"),
                "macros": sorted(macro_digest(m) for m in node["depends_on"]["macros"]),
                "upstream": sorted(digest(parent) for parent in node["depends_on"]["nodes"]),
                "engine": engine,
            })
        else:  # something dbt resolves that the manifest does not hold: its name is all there is
            value = _hash(unique_id)
        digests[unique_id] = value
        return value

    return {unique_id: digest(unique_id) for unique_id in [*nodes, *sources]}


def project_digest(digests: Mapping[str, str]) -> str:
    """One digest of the whole project."""
    return _hash(sorted(digests.items()))


def incremental_models(manifest: Mapping[str, Any]) -> list[str]:
    """The models a full refresh rebuilds from all history (history tables, config
    full_refresh=false, never are)."""
    return sorted(
        unique_id for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("enabled", True)
        and node["config"].get("materialized") == "incremental" and node["config"].get("full_refresh") is not False
    )


def changed_incremental_models(manifest: Mapping[str, Any], digests: Mapping[str, str],
                               recorded: Mapping[str, str]) -> frozenset[str]:
    """The incremental models whose digest differs from the one recorded at their last
    build, with every model of a group one of them belongs to."""
    models = incremental_models(manifest)
    changed = {unique_id for unique_id in models if recorded.get(unique_id) != digests[unique_id]}

    def group(unique_id: str) -> str | None:
        return (manifest["nodes"][unique_id]["config"].get("meta") or {}).get(GROUP_KEY)

    groups = {group(unique_id) for unique_id in changed} - {None}
    return frozenset(changed | {unique_id for unique_id in models if group(unique_id) in groups})
