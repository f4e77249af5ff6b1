"""docs/identity.md's map (the mermaid flowchart) cannot drift from the identity models.

Read from the files alone, no dbt: every model under models/intermediate/identity is a box,
every box of a stage is a model, the yellow boxes are the kept (incremental) models, and
the arrows labelled *last build* are exactly the reads by name the models make. The kept
models sit in kept/, and the page's table of folders says where each model is.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IDENTITY = REPO / "dbt_project" / "models" / "intermediate" / "identity"
PREFIX = "int_identity__"
MARTS_SUBGRAPH = "marts"
KEPT = re.compile(r"materialized\s*=\s*['\"]incremental['\"]")

ARROW = re.compile(r"\s*(-->|-\.->)(?:\|([^|]*)\|)?\s*")
# a model reads a kept table by name: through dbt's graph, or through the macro that looks it up
READS_BY_NAME = {
    re.compile(r"identity_kept_relation\('int_identity__(\w+)'\)"): None,
    re.compile(r"graph\.nodes\.get\('model\.cdp\.(\w+)'\)"): None,
    re.compile(r"identity_last_profiles\(\)"): "nodes_assigned",  # macros/identity_region.sql
}


def mermaid_lines() -> list[str]:
    text = (REPO / "docs" / "identity.md").read_text()
    (block,) = re.findall(r"```mermaid\n(.*?)```", text, flags=re.S)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("%%")]


def boxes_by_stage() -> dict[str, set[str]]:
    """Each subgraph's id and the boxes declared in it, one per line."""
    stages: dict[str, set[str]] = {}
    stage = None
    for line in mermaid_lines():
        if line.startswith("subgraph "):
            stage = line.split()[1]
            stages[stage] = set()
        elif line == "end":
            stage = None
        elif stage is not None:
            stages[stage].add(re.sub(r"\[.*", "", line))
    return stages


def arrows() -> list[tuple[str, str, str, str | None]]:
    """(from, to, arrow, label) for every arrow, `a & b --> c & d` spelled out."""
    found = []
    for line in mermaid_lines():
        parts = ARROW.split(line)
        if len(parts) != 4:
            continue
        sources, arrow, label, targets = parts
        found += [(s.strip(), t.strip(), arrow, label) for s in sources.split("&") for t in targets.split("&")]
    return found


def models() -> dict[str, Path]:
    return {path.stem.removeprefix(PREFIX): path for path in IDENTITY.rglob(f"{PREFIX}*.sql")}


def test_every_identity_model_is_a_box_in_a_stage_of_the_map():
    drawn = set().union(*(boxes for stage, boxes in boxes_by_stage().items() if stage != MARTS_SUBGRAPH))
    assert len(models()) >= 28
    assert sorted(set(models()) - drawn) == []


def test_every_box_in_a_stage_of_the_map_is_an_identity_model():
    drawn = set().union(*(boxes for stage, boxes in boxes_by_stage().items() if stage != MARTS_SUBGRAPH))
    assert sorted(drawn - set(models())) == []


def test_the_yellow_boxes_are_the_kept_identity_models():
    yellow = {box for line in mermaid_lines() if line.startswith("class ") and line.endswith(" kept")
              for box in line.split()[1].split(",")}
    incremental = {name for name, path in models().items() if KEPT.search(path.read_text())}
    assert len(incremental) >= 8
    assert yellow & set(models()) == incremental


def test_the_arrows_labelled_last_build_are_the_reads_by_name_of_the_models():
    read_in_code = set()
    for name, path in models().items():
        sql = path.read_text()
        for pattern, table in READS_BY_NAME.items():
            read_in_code |= {(table or match, name) for match in pattern.findall(sql)}
    drawn = {(source, target) for source, target, arrow, label in arrows() if label == "last build"}
    assert {arrow for *_, arrow, label in arrows() if label == "last build"} == {"-.->"}
    assert read_in_code, "no read by name found: has identity_kept_relation been renamed?"
    assert sorted(read_in_code - drawn) == [], "read by name in the models but not drawn"
    assert sorted(drawn - read_in_code) == [], "drawn but not read by name in the models"


def test_the_kept_folder_holds_the_kept_models_and_no_other():
    kept = {name for name, path in models().items() if path.parent.name == "kept"}
    assert kept == {name for name, path in models().items() if KEPT.search(path.read_text())}


def test_the_table_of_folders_lists_each_model_in_its_folder():
    text = (REPO / "docs" / "identity.md").read_text()
    listed = {(folder, model) for folder, models_ in re.findall(r"(?m)^\| `(\w+)/` \| (.*?) \|", text)
              for model in re.findall(r"`(\w+)`", models_)}
    assert listed == {(path.parent.name, name) for name, path in models().items()}
