"""Identity resolution on a world written apart from our generator (tests/adversarial_world.py):
couples sharing an email, families sharing a landline and a laptop, a clerk's email on
customers' loyalty cards, an agent's email on tickets, junk and reused Segment ids, a
mistaken alias, a gift identify, CRM duplicates and namesakes, plus addresses, phones
with extensions, switchboards, and orders on a shared account.

The shipped rules glue one kind of trap here, which the data cannot tell from a family
computer (docs/identity-rules.md §5, "What the rules cannot tell"); any other glue, or
more of it, fails."""

from __future__ import annotations

from quality.identity_accuracy import score
from tests.adversarial_world import write_world
from tests.conftest import make_workspace

# measured on seed 1, 1,000 people: recall 0.97955, over pairs the data tells apart 0.98490
# (a clerk's own email on customers' cards is shared, so it links the clerk to no one)
RECALL_FLOOR = 0.975
# an alias whose previousId is another person's browser, on which that person typed an
# email: the browser goes home to the account on a record with it (home 2), as a family
# computer does; 1 of 5. (The clerks' emails on customers' loyalty cards glued 3 profiles
# until loyalty_id ranked above email with a limit of 2.)
KNOWN_GLUE = {"user_id": 1}


def test_an_adversarial_world_glues_no_two_people_beyond_the_known_traps(tmp_path):
    workspace = make_workspace(tmp_path)
    truth = tmp_path / "truth.csv"
    write_world(workspace.landing, truth, people_count=1000, seed=1)
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    accuracy = score(workspace.warehouse, truth)
    assert accuracy.profiles_with_two_peoples_user_ids == 0, accuracy
    assert set(accuracy.over_merged_by_bridge) <= set(KNOWN_GLUE), accuracy
    assert all(accuracy.over_merged_by_bridge[kind] <= KNOWN_GLUE[kind] for kind in accuracy.over_merged_by_bridge), accuracy
    assert accuracy.recall >= RECALL_FLOOR, accuracy
