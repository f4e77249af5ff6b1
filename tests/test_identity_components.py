"""The SQL connected components agree with a union-find on graphs built to need many rounds."""

from __future__ import annotations

import random

from tests.conftest import make_workspace
from tests.test_profile_merges import write_events


def alias(message_id: str, anonymous_id: str, previous_id: str) -> dict:
    return {"messageId": message_id, "type": "alias", "anonymousId": anonymous_id, "previousId": previous_id,
            "timestamp": "2026-10-01T10:00:00Z"}


def union_find_groups(pairs: list[tuple[str, str]]) -> set[frozenset[str]]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    groups: dict[str, set[str]] = {}
    for x in list(parent):
        groups.setdefault(root(x), set()).add(x)
    return {frozenset(g) for g in groups.values()}


def test_long_chains_and_random_links_resolve_to_the_union_find_components(tmp_path):
    rng = random.Random(7)
    # random names, so the ids the graph's nodes get are in no order along a chain:
    # the worst case for propagating the smallest label one hop a round
    names = [f"a-{rng.getrandbits(48):012x}" for _ in range(700)]
    chain, forest = names[:300], names[300:]
    pairs = list(zip(chain, chain[1:]))  # one chain 300 long
    pairs += [(rng.choice(forest), rng.choice(forest)) for _ in range(300)]  # trees, cycles, self-links
    rng.shuffle(pairs)

    workspace = make_workspace(tmp_path)
    write_events(workspace, "aliases.jsonl", [alias(f"m{i}", a, b) for i, (a, b) in enumerate(pairs)])
    assert workspace.cdp("run").returncode == 0

    rows = workspace.query(
        "select profile_id, identifier_value from cdp.profile_identifiers where identifier_type = 'anonymous_id'"
    )
    profiles: dict[str, set[str]] = {}
    for profile_id, value in rows:
        profiles.setdefault(profile_id, set()).add(value)
    expected = union_find_groups(pairs)
    assert frozenset(chain) in expected
    assert {frozenset(values) for values in profiles.values()} == expected
