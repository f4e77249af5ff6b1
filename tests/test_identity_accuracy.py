"""Identity resolution scored against the ground truth of a generated world it was not
tuned on (the rules were tuned on seed 3): pairwise precision and recall of identifier
pairs, and no profile holding two people's identifiers."""

from __future__ import annotations

from ingestion.sample_data import generate_landing
from quality.identity_accuracy import score
from tests.conftest import make_workspace

# Recall here is what the rules can reach without guessing (0.992 on this world, 0.9925 on
# 20,000 people at seed 7919): most loyalty cards carry a name, which joins a card to its
# holder through the phone; a card with none, an initial or a placeholder ('CUSTOMER') on
# the household's landline could be a housemate's (docs/identity-rules.md), and those
# links wait in cdp.identity_review_queue.
RECALL_WITHOUT_GUESSING = 0.99
# Over the pairs the data can tell apart (quality/identity_accuracy.py), 0.9965 on this world;
# what is left is mostly names a clerk misspelt at a word's end, which the rules do not forgive.
RECALL_OF_WHAT_THE_DATA_TELLS = 0.995


def test_a_world_with_households_shared_browsers_and_junk_glues_no_two_people(tmp_path):
    workspace = make_workspace(tmp_path)
    truth = tmp_path / "truth.csv"
    generate_landing(workspace.landing, people_count=1500, seed=47, truth=truth)
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout + run.stderr

    accuracy = score(workspace.warehouse, truth)
    assert accuracy.over_merged_profiles == 0, accuracy
    assert accuracy.precision >= 0.999, accuracy
    assert accuracy.recall >= RECALL_WITHOUT_GUESSING, accuracy
    assert accuracy.decidable_recall >= RECALL_OF_WHAT_THE_DATA_TELLS, accuracy
    # what is lost, by cause: the loyalty cards with a phone and no name that names someone first
    assert next(iter(accuracy.loss_by_cause)) == "pos_loyalty_members: loyalty_id+phone", accuracy

    # the world has the traps: stitching everything that co-occurs falls into them, by
    # phones and by browsers
    naive = score(workspace.warehouse, truth, naive=True)
    assert naive.precision < 0.99 and naive.profiles_with_two_peoples_user_ids > 0, naive
    assert {"phone", "anonymous_id"} <= {kind for bridge in naive.over_merged_by_bridge for kind in bridge.split("+")}, naive
