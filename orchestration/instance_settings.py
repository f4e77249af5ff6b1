"""The project's Dagster instance settings (orchestration/dagster.yaml) in a DAGSTER_HOME.

A home without a dagster.yaml gets the project's. One made before the kept-open event
log (orchestration/event_log.py) has a dagster.yaml without `instance_class`: the setting
is added at its end, the rest of the file left as its owner wrote it. A home that names
an instance class of its own keeps it.

    python -m orchestration.instance_settings DAGSTER_HOME   (what `make dev` runs)
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

TEMPLATE = Path(__file__).resolve().parent / "dagster.yaml"
INSTANCE_CLASS = "instance_class"


def _instance_class_block() -> str:
    """The template's lines from its `instance_class` setting's comment to the end."""
    lines = TEMPLATE.read_text().splitlines(keepends=True)
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{INSTANCE_CLASS}:"))
    while start > 0 and lines[start - 1].startswith("#"):
        start -= 1
    return "".join(lines[start:])


def install_instance_settings(home: Path) -> Path:
    """`home`, created if need be, with a dagster.yaml that names the project's instance class."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    if not path.exists():
        shutil.copy(TEMPLATE, path)
        return home
    text = path.read_text()
    if INSTANCE_CLASS not in (yaml.safe_load(text) or {}):
        path.write_text(text + ("" if not text or text.endswith("\n") else "\n") + _instance_class_block())
    return home


if __name__ == "__main__":
    install_instance_settings(Path(sys.argv[1]))
