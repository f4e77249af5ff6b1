"""A full disk ends a run with one message naming the path and the room left there, not
with a traceback from whichever library was writing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.disk import disk_full_message, full_path, is_disk_full
from ingestion.sample_data import generate_landing
from tests.conftest import CDP, REPO, make_workspace

# Writes past a 64 KB file size limit: the kernel refuses with EFBIG (SIGXFSZ ignored).
OVER_THE_LIMIT = """
import resource, signal, sys
from pathlib import Path
from core.disk import disk_full_message, full_path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
target = Path(sys.argv[1])
try:
    target.write_bytes(b"x" * 200_000)
except OSError as error:
    print(disk_full_message(error, full_path(error, [target])))
"""


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_write_the_disk_refuses_is_named_with_the_room_left(tmp_path):
    try:
        with open("/dev/full", "wb") as full:  # a real write that finds no space: ENOSPC
            full.write(b"x" * 10_000)
            full.flush()
    except OSError as error:
        wrapped = RuntimeError("the writer failed")
        wrapped.__cause__ = error  # as libraries pass it on
        refused = wrapped
    assert is_disk_full(refused)
    path = full_path(refused, [tmp_path / "warehouse.duckdb"])
    assert path == tmp_path / "warehouse.duckdb"
    assert disk_full_message(refused, path).startswith(f"cannot write {path}: the disk is full (")
    assert " free there)" in disk_full_message(refused, path)
    assert full_path(ValueError("a bad value"), [tmp_path]) is None


def test_a_write_over_the_file_size_limit_names_the_file_and_the_limit(tmp_path):
    target = tmp_path / "big.bin"
    result = subprocess.run([sys.executable, "-c", OVER_THE_LIMIT, str(target)], cwd=REPO, capture_output=True, text=True)
    assert result.stdout.startswith(f"cannot write {target}: the file size limit of this process was reached"), result.stderr


def tmpfs_run(root: Path, size: str, dagster_home_on_it: bool) -> subprocess.CompletedProcess:
    """`cdp run` with the warehouse (and maybe the Dagster home) on a tmpfs of `size`, in a
    user namespace of its own; skips where unprivileged namespaces are not allowed."""
    mount = root / "small_disk"
    mount.mkdir()
    home = mount / "dagster_home" if dagster_home_on_it else root / "dagster_home"
    script = (f'mount -t tmpfs -o size={size} tmpfs "{mount}" || exit 99\n'
              f'CDP_WAREHOUSE="{mount}/w.duckdb" DAGSTER_HOME="{home}" exec "{CDP}" run\n')
    env = make_workspace(root).env(CDP_LANDING_DIR=str(root / "landing"))
    if shutil.which("unshare") is None:
        pytest.skip("no unshare here to mount a small tmpfs")
    result = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode == 99 or "unshare failed" in result.stderr:
        pytest.skip(f"cannot mount a tmpfs in a user namespace here: {result.stderr[-300:]}")
    return result


@pytest.fixture(scope="module")
def small_landing(tmp_path_factory):
    root = tmp_path_factory.mktemp("disk_landing")
    generate_landing(root / "landing", people_count=20, seed=4)
    return root / "landing"


def test_a_full_disk_under_the_dagster_home_ends_the_run_with_one_line(tmp_path, small_landing):
    shutil.copytree(small_landing, tmp_path / "landing")
    result = tmpfs_run(tmp_path, "600k", dagster_home_on_it=True)
    assert result.returncode == 1
    assert result.stderr.startswith(f"cdp: cannot write {tmp_path / 'small_disk' / 'dagster_home'}: the disk is full ("), \
        result.stderr[-2000:]
    assert "Traceback" not in result.stderr


def test_a_full_disk_under_the_warehouse_fails_landing_with_the_path_and_room_left(tmp_path, small_landing):
    shutil.copytree(small_landing, tmp_path / "landing")
    result = tmpfs_run(tmp_path, "2m", dagster_home_on_it=False)
    assert result.returncode == 1
    warehouse = tmp_path / "small_disk" / "w.duckdb"
    assert f"FAILED: landing: dagster._core.definitions.events.Failure: cannot write {warehouse}: the disk is full (" \
        in result.stderr, result.stderr[-3000:]
