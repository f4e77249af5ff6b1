"""A BI tool stand-in: reads the published snapshot in a loop until told to stop.

Run as a separate process by test_bi_access. Prints one JSON line: how many reads it
made, every error it hit, every read whose row counts disagreed with the manifest in
the same file, and the distinct snapshots (published_at) it saw.
"""

import json
import sys
import time
from pathlib import Path

import duckdb

published, stop_file = Path(sys.argv[1]), Path(sys.argv[2])
reads, errors, mismatches, snapshots = 0, [], [], set()
deadline = time.monotonic() + 600
while not stop_file.exists() and time.monotonic() < deadline:
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            manifest = con.sql("select table_name, row_count, published_at from cdp._manifest").fetchall()
            for table, expected, published_at in manifest:
                actual = con.sql(f'select count(*) from cdp."{table}"').fetchall()[0][0]
                if actual != expected:
                    mismatches.append([table, expected, actual])
                snapshots.add(str(published_at))
        reads += 1
    except Exception as exc:  # every failure is the finding
        errors.append(repr(exc))
    time.sleep(0.02)
print(json.dumps({"reads": reads, "errors": errors[:20], "mismatches": mismatches[:20], "snapshots": sorted(snapshots)}))
