"""Benchmark: identity accuracy on a generated world with ground truth.

    .venv/bin/python -m bench.identity_accuracy --people 200000 --seed 3

Generates the sample world (devices, work emails, CRM duplicates, loyalty cards, most
with a name as a clerk typed it (initials, placeholders), spelling variants and typos, junk
values, kiosks and sign-up tablets, households sharing a landline and a family computer,
some with first names a letter apart, recycled numbers) with its truth, runs `cdp run` on
it, and scores pairwise precision and recall of identifier pairs for the CDP and, side
by side, for a naive stitch (connected components of every value, no rules). Each
scores' over-merged profiles (two or more people's identifiers) are broken down by the
type of identifier that bridged them, and recall's losses by where they went and by the
kind of record that would have joined the pieces. Beside raw recall, recall over the pairs
the data can tell apart (quality/identity_accuracy.py) shows how far the rest is from
the ceiling that no rule reaches without guessing.

Seed 3 is the one the identity rules were tuned on; quote figures from others too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

from ingestion.sample_data import generate_landing
from quality.identity_accuracy import score

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="an empty folder to build in and leave behind, to look into after")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cdp-accuracy-") as tmp:
        root = args.keep or Path(tmp)
        truth = root / "truth.csv"
        generate_landing(root / "landing", people_count=args.people, seed=args.seed, truth=truth)
        env = {**os.environ, "CDP_WAREHOUSE": str(root / "warehouse.duckdb"), "CDP_LANDING_DIR": str(root / "landing"),
               "CDP_CONFIG": str(REPO / "cdp.yml"), "DAGSTER_HOME": str(root / "dagster_home")}
        started = time.perf_counter()
        subprocess.run([str(REPO / ".venv" / "bin" / "cdp"), "run"], env=env, check=True, capture_output=True)
        print(f"world: {args.people:,} people, seed {args.seed}; cdp run {time.perf_counter() - started:.0f} s")
        print(f"cdp:   {score(root / 'warehouse.duckdb', truth)}")
        print(f"naive: {score(root / 'warehouse.duckdb', truth, naive=True)}")


if __name__ == "__main__":
    main()
