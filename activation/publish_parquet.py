"""The BI copy as Parquet: `$CDP_PUBLISHED_DIR/parquet/<table>/*.parquet`.

One folder per table of the `cdp` schema, written by the engine that built it (DuckDB's
COPY; no rows pass through Python), so any tool reads it without a DuckDB driver.

A run writes a new version folder (`parquet-<run_id>/`) beside the published one, then
points `parquet` at it by replacing a symbolic link, which is atomic: a reader that
opens `parquet/<table>/` sees the whole previous copy or the whole new one, never a
mix of runs. `manifest.json` names the current version too. The version before the
current one is kept until the next run publishes, so a reader that resolved the link
just before it moved can finish reading; older versions are deleted.

A table that has not changed since the previous version (activation/publish.py compares
fingerprints) is not written again: its files are hard links to the previous version's.
Files are never changed once written, so a link shares bytes that stay as they are, and
deleting the earlier version folder leaves the linked files whole.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

LINK_NAME = "parquet"
VERSION_PREFIX = f"{LINK_NAME}-"

# Writes each table into folder / <table>/.
TableWriter = Callable[[Path], None]


def publish_parquet(published_dir: Path, run_id: str, write: TableWriter) -> Path:
    """Write a new version with `write` and point `<published_dir>/parquet` at it."""
    link = published_dir / LINK_NAME
    if link.is_dir() and not link.is_symlink():
        # the published folder copied without its link (`cp -r`, a restored backup): the copy
        # holds an earlier version's tables, and goes as earlier versions do
        link.rename(published_dir / f"{VERSION_PREFIX}copied-{time.time_ns()}")
    previous = Path(os.readlink(link)).name if link.is_symlink() else None
    version = published_dir / f"{VERSION_PREFIX}{run_id}"
    if version.name == previous:  # the same run publishing again (a retried step)
        version = published_dir / f"{VERSION_PREFIX}{run_id}-{time.time_ns()}"
    shutil.rmtree(version, ignore_errors=True)  # left by a run killed while writing
    version.mkdir(parents=True)
    write(version)
    for stale in published_dir.glob(f".{LINK_NAME}-link-*"):  # left by a run killed while linking
        stale.unlink()
    staged = published_dir / f".{LINK_NAME}-link-{run_id}"
    staged.symlink_to(version.name)  # relative: the published folder can be moved whole
    os.replace(staged, link)
    _drop_versions_but(published_dir, {version.name, previous})
    return version


def link_table(previous: Path, folder: Path) -> bool:
    """Hard-link every file of the table folder `previous` into a new `folder`; False (and
    nothing left behind) when there is nothing to link or the file system refuses links."""
    try:
        files = [path for path in previous.iterdir() if path.is_file()]
        if not files or previous.resolve() == folder.resolve():
            return False
        folder.mkdir()
        for path in files:
            os.link(path, folder / path.name)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return False
    return True


def _drop_versions_but(published_dir: Path, kept: set[str | None]) -> list[str]:
    """Delete every version folder not named in `kept`; the names deleted."""
    dropped = []
    for old in published_dir.glob(f"{VERSION_PREFIX}*"):
        if old.name not in kept:
            shutil.rmtree(old, ignore_errors=True)
            dropped.append(old.name)
    return dropped


def drop_earlier_versions(published_dir: Path) -> list[str]:
    """Delete every version but the one `parquet` points at (the names deleted): once a
    person is erased, the version kept for slow readers still holds them."""
    link = published_dir / LINK_NAME
    if not link.is_symlink():
        return []
    return _drop_versions_but(published_dir, {Path(os.readlink(link)).name})

