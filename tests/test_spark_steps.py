"""orchestration/spark_steps.py without a JVM: the raw copy skipped when nothing landed
since the last one, and a second run, or a hand-run `cdp dbt`, waiting for the one that
holds the Spark steps."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from core.settings import load_settings
from orchestration.spark_steps import RAW_COPIED_MARK, SparkStepError, holding_spark, raw_into_lake
from tests.conftest import CDP

HOLD = """
import sys, time
from core.settings import load_settings
from orchestration.spark_steps import holding_spark
with holding_spark(load_settings({"CDP_WAREHOUSE": sys.argv[1], "CDP_ENGINE": "spark"})):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_the_raw_copy_is_skipped_when_nothing_landed_since(tmp_path):
    settings = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "spark"})
    (settings.lake_dir / "raw").mkdir(parents=True)
    (settings.lake_dir / "raw" / RAW_COPIED_MARK).write_text("digest-1")
    said = []
    assert raw_into_lake(settings, "digest-1", said.append) is False
    assert said == ["raw tables into the lake: nothing landed since the last copy; skipped"]


def test_a_second_run_waits_for_the_one_holding_the_spark_steps(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "w.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        settings = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "spark",
                                  "CDP_LOCK_WAIT_SECONDS": "1"})
        said = []
        with pytest.raises(SparkStepError, match=f"pid {holder.pid}.* did not finish within 1 s"):
            with holding_spark(settings, said.append):
                pass
        assert said and said[0].startswith("waiting for the run that holds ")
        assert f"(pid {holder.pid})" in said[0]
    finally:
        holder.kill()
        holder.wait()
    with holding_spark(settings, said.append):  # free again once the holder is gone
        pass


def test_a_hand_run_cdp_dbt_waits_for_the_run_holding_the_spark_steps(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "w.duckdb")], stdout=subprocess.PIPE, text=True)
    held = load_settings({"CDP_WAREHOUSE": str(tmp_path / "w.duckdb"), "CDP_ENGINE": "spark"})
    # named, not inherited: an earlier test in this process may have exported another metastore or target
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CDP_")}, "CDP_WAREHOUSE": str(held.warehouse),
           "CDP_ENGINE": "spark", "CDP_SPARK_METASTORE": str(held.spark_metastore), "CDP_LOCK_WAIT_SECONDS": "1"}
    try:
        assert holder.stdout.readline().strip() == "holding"
        done = subprocess.run([str(CDP), "dbt", "ls"], env=env, capture_output=True, text=True, timeout=120)
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "waiting for the run that holds" in done.stderr
    assert f"(pid {holder.pid}) did not finish within 1 s" in done.stderr
