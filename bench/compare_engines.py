"""Compare two Parquet BI copies (`parquet/<table>/`), e.g. one built by DuckDB and one by
Spark from the same landed world (quality/bi_copy_compare.py). Prints, per table, the rows
only one side has.

    python -m bench.compare_engines DUCKDB_PUBLISHED/parquet SPARK_PUBLISHED/parquet
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quality.bi_copy_compare import compare_copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left", type=Path)
    parser.add_argument("right", type=Path)
    args = parser.parse_args(argv)
    differences, one_sided = compare_copies(args.left, args.right)
    for table in one_sided:
        print(f"{table:32} on one side only")
    for d in differences:
        verdict = "same" if d.same else "DIFFERENT"
        note = f" (columns on one side only: {', '.join(d.one_sided_columns)})" if d.one_sided_columns else ""
        print(f"{d.table:32} {d.rows:>8} rows  only left {d.only_left:>6}  only right {d.only_right:>6}  {verdict}{note}")
    return 1 if one_sided or not all(d.same for d in differences) else 0


if __name__ == "__main__":
    sys.exit(main())
