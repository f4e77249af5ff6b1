"""Identity resolution on a world written apart from our generator (tests/adversarial_world.py):
couples sharing an email, families sharing a landline and a laptop, a clerk's email on
customers' loyalty cards, an agent's email on tickets, junk and reused Segment ids, a
mistaken alias, a gift identify, CRM duplicates and namesakes, plus addresses, phones
with extensions, switchboards, and orders on a shared account.

Measured on seed 1, 1,000 people, as the world grew (each trap added is drawn after the
others, so that theirs stay as they were):
- the rules of before glued 6 profiles (a clerk's email on customers' loyalty cards, 3;
  junk user ids a client sends, `[object Object]`, `NaN`, `guest`, 3), precision
  0.98254, recall 0.97658; the rules then shipped none, precision 1.0, recall 0.97825;
- with more junk user ids (a JSON true, false, -1, {} or [], placeholders in capitals,
  spaces, quotes or brackets) and junk phones: the blocklist of before glued 8 profiles
  by them (precision 0.98287, recall 0.96529), the shipped one none (1.0, 0.97776);
- with two clerks who typed their email into two customers' cards each (within the
  loyalty_id limit): the limits alone glued both (precision 0.99782, recall 0.97346);
  the names on the cards make each email shared (docs/identity-rules.md §2), none glued
  (1.0, 0.97251: the 8 pairs lost are the clerks' own email's).
The trap the rules cannot tell from a family computer, a mistaken alias onto a browser
someone else typed their email on (§5), does not glue in this world, nor does a gift
identify; drawn in another order, 3 of each did (§5)."""

from __future__ import annotations

import json

from core.normalize import normalize_phone
from quality.identity_accuracy import score
from tests.adversarial_world import JUNK_PHONES, JUNK_USER_IDS, write_world
from tests.conftest import make_workspace

# measured 0.97251 (0.98506 over pairs the data tells apart); a clerk's own email on
# customers' cards is shared, so it links the clerk to no one either
RECALL_FLOOR = 0.97


def test_an_adversarial_world_glues_no_two_people(tmp_path):
    workspace = make_workspace(tmp_path)
    truth = tmp_path / "truth.csv"
    write_world(workspace.landing, truth, people_count=1000, seed=1)
    run = workspace.cdp("run")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    accuracy = score(workspace.warehouse, truth)
    assert accuracy.profiles_with_two_peoples_user_ids == 0, accuracy
    assert accuracy.over_merged_profiles == 0, accuracy
    assert accuracy.precision == 1.0, accuracy
    assert accuracy.recall >= RECALL_FLOOR, accuracy

    # every junk value is judged junk (JSON true lands as `true`), not merely outvoted
    junk = {("user_id", json.dumps(value) if not isinstance(value, str) else value.strip()) for value in JUNK_USER_IDS}
    junk |= {("phone", normalize_phone(phone, "US")[0]) for phone in JUNK_PHONES}
    junk.discard(("user_id", ""))  # an empty id is no observation at all
    hits = workspace.query(
        "select distinct identifier_type, identifier_value from cdp.identity_rule_hits"
        " where rule in ('blocked_value', 'blocked_pattern')"
    )
    assert junk - set(hits) == set()
