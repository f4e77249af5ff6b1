"""The Parquet BI copy's versions: a link to the current one, the one before kept for slow
readers, a copy made without the link taken back, and every earlier one dropped on request."""

from __future__ import annotations

import shutil
from pathlib import Path

from activation.publish_parquet import LINK_NAME, drop_earlier_versions, publish_parquet


def write(marker: str):
    def writer(folder: Path) -> None:
        (folder / "profiles").mkdir()
        (folder / "profiles" / "part.parquet").write_text(marker)
    return writer


def versions(published: Path) -> list[str]:
    return sorted(p.name for p in published.glob(f"{LINK_NAME}-*"))


def test_the_link_moves_to_each_new_version_and_one_earlier_version_stays(tmp_path):
    for run in ("a", "b", "c"):
        publish_parquet(tmp_path, run, write(run))
    assert (tmp_path / LINK_NAME / "profiles" / "part.parquet").read_text() == "c"
    assert versions(tmp_path) == ["parquet-b", "parquet-c"]
    assert drop_earlier_versions(tmp_path) == ["parquet-b"]
    assert versions(tmp_path) == ["parquet-c"]


def test_a_published_folder_copied_without_its_link_publishes_again(tmp_path):
    publish_parquet(tmp_path / "original", "a", write("a"))
    copy = tmp_path / "copy"
    shutil.copytree(tmp_path / "original", copy)  # as `cp -r`: the link becomes a plain folder
    assert not (copy / LINK_NAME).is_symlink()
    publish_parquet(copy, "b", write("b"))
    publish_parquet(copy, "c", write("c"))
    assert (copy / LINK_NAME).is_symlink()
    assert (copy / LINK_NAME / "profiles" / "part.parquet").read_text() == "c"
    assert versions(copy) == ["parquet-b", "parquet-c"]
