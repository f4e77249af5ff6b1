"""Identity resolution scored against the ground truth of a generated world it was not
tuned on: pairwise precision and recall of identifier pairs."""

from __future__ import annotations

from ingestion.sample_data import generate_landing
from quality.identity_accuracy import score
from tests.conftest import make_workspace


def test_a_world_with_kiosks_households_family_tablets_and_junk_resolves_accurately(tmp_path):
    workspace = make_workspace(tmp_path)
    truth = tmp_path / "truth.csv"
    generate_landing(workspace.landing, people_count=1500, seed=31, truth=truth)
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout + run.stderr

    accuracy = score(workspace.warehouse, truth)
    assert accuracy.precision >= 0.999, accuracy
    assert accuracy.recall >= 0.99, accuracy
    assert accuracy.profiles_with_two_peoples_user_ids == 0, accuracy

    # the world has the traps: stitching everything that co-occurs falls into them
    naive = score(workspace.warehouse, truth, naive=True)
    assert naive.precision < 0.99 and naive.profiles_with_two_peoples_user_ids > 0, naive
