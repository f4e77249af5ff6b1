"""Privacy on Spark (docs/spark.md): erasure from Spark's tables and the lake is not built,
so `cdp forget` refuses at once, and a request dropped in the landing folder is recorded
and left pending, which the run's every_request_completed check reports."""

from __future__ import annotations

import os
import subprocess

from core.config import load_config
from core.settings import load_settings
from privacy.process import process
from privacy.status import unfinished
from tests.conftest import CDP, REPO


def test_cdp_forget_on_spark_refuses_and_records_nothing(tmp_path):
    env = {**os.environ, "CDP_ENGINE": "spark", "CDP_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "CDP_LANDING_DIR": str(tmp_path / "landing"), "CDP_CONFIG": str(REPO / "cdp.yml")}
    done = subprocess.run([str(CDP), "forget", "email", "ann@example.com", "--reason", "t1"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "cdp forget is not built on Spark" in done.stderr and "CDP_ENGINE=duckdb" in done.stderr
    assert "ann@example.com" not in done.stderr + done.stdout
    assert not (tmp_path / "w.duckdb").exists()


def test_a_landing_request_on_spark_stays_pending(tmp_path):
    requests = tmp_path / "landing" / "privacy" / "requests_1.csv"
    requests.parent.mkdir(parents=True)
    requests.write_text("type,value,reason\nemail,ann@example.com,ticket 1\n")
    settings = load_settings({"CDP_ENGINE": "spark", "CDP_WAREHOUSE": str(tmp_path / "w.duckdb"),
                              "CDP_LANDING_DIR": str(tmp_path / "landing"), "CDP_CONFIG": str(REPO / "cdp.yml")})
    outcome = process(settings, load_config(settings.config_path))
    assert (outcome.received, outcome.left_pending, outcome.erased, outcome.completed) == (1, 1, [], [])
    assert unfinished(settings.warehouse) == {"pending": 1}
    # the next run reads no file twice and still leaves it pending
    assert process(settings, load_config(settings.config_path)).left_pending == 1
    assert unfinished(settings.warehouse) == {"pending": 1}
