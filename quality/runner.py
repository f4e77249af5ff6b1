"""Validate a DuckDB query's rows against a GX expectation list, chunk by chunk.

GX 1.x has no DuckDB datasource, and pulling a whole table into pandas would make
memory grow with the data. So the query is streamed as Arrow record batches of at
most CHUNK_ROWS rows, each validated as its own pandas batch; the verdict is the
conjunction, and failing rows are sampled as they are found.

Only the columns the expectations name are handed to GX (pandas conversion is not
free), and a failing row's sample is taken from the whole Arrow batch.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path

from core.warehouse_lock import DEFAULT_LOCK_WAIT_SECONDS, connect

# GX has a fixed cost per batch: larger batches validate faster, and 500k rows still fit
# in modest memory (bench/HISTORY.md has the measurement).
CHUNK_ROWS = 500_000
SAMPLE_ROWS = 10


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    unexpected: int = 0
    checked: int = 0
    sample: list[dict] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.unexpected == 0


@dataclass
class SuiteOutcome:
    suite: str
    rows: int
    expectations: list[ExpectationOutcome]

    @property
    def success(self) -> bool:
        return all(e.success for e in self.expectations)

    def failures(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


@cache
def _context():
    # Imported here: GX takes seconds to import, and only checks need it.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every pandas batch under 1 GB by hashing all its values, for a batch
    # marker nothing here reads: that was over half of the landed-events check. A
    # threshold of 0 skips it; the expectations run as before.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch_definition(name: str):
    context = _context()
    source = context.data_sources.all().get("cdp") or context.data_sources.add_pandas("cdp")
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition("chunk")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("chunk")


def table_exists(warehouse: Path, schema: str, table: str, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> bool:
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what="quality check") as con:
        return con.sql(
            # a view too: on Spark, `cdp.*` are views over Spark's tables (core/lake_views.py)
            "select count(*) from (select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views()) where schema_name = ? and table_name = ?",
            params=[schema, table],
        ).fetchall()[0][0] > 0


def validate_query(warehouse: Path, name: str, sql: str, expectations: list, shown: tuple[str, ...] = (),
                   chunk_rows: int = CHUNK_ROWS, lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> SuiteOutcome:
    """Run `sql` read-only against the warehouse and validate every row in chunks; a
    failing row's sample holds only the `shown` columns."""
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=f"{name}_suite", expectations=[copy.deepcopy(e) for e in expectations])
    outcomes = [ExpectationOutcome(e.expectation_type, getattr(e, "column", None)) for e in suite.expectations]
    batch_definition = _batch_definition(name)
    checked = sorted({e.column for e in suite.expectations if getattr(e, "column", None)})
    rows = 0
    with connect(warehouse, read_only=True, wait_seconds=lock_wait, what=f"quality check {name}") as con:
        reader = con.sql(sql).to_arrow_reader(chunk_rows)
        for record_batch in reader:
            if record_batch.num_rows == 0:
                continue
            frame = (record_batch.select(checked) if checked else record_batch).to_pandas()
            rows += len(frame)
            result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
                suite, result_format={"result_format": "COMPLETE"}
            )
            for outcome, item in zip(outcomes, result.results):
                outcome.checked += item.result.get("element_count", len(frame)) or 0
                if item.success:
                    continue
                unexpected = item.result.get("unexpected_count")
                outcome.unexpected += unexpected if unexpected is not None else 1
                # a rule about the whole result (a row count): the rows it returned are the finding
                indexes = item.result.get("unexpected_index_list") or range(len(frame))
                for index in islice(indexes, SAMPLE_ROWS - len(outcome.sample)):
                    outcome.sample.append(_row(record_batch, index, shown))
    return SuiteOutcome(name, rows, outcomes)


def _row(batch, index: int, shown: tuple[str, ...]) -> dict:
    """The `shown` columns of row `index` of an Arrow batch (the frame's default index is the position)."""
    return {k: _plain(v) for k, v in batch.slice(index, 1).to_pylist()[0].items() if k in shown}


def _plain(value):
    """JSON-friendly values for metadata."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
