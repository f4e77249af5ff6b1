"""What a run that builds only the models moving with the clock says about the others.

Those models hold exactly what the last full build wrote, and their tests passed on it.
Each is reported materialized with the metadata of its last materialization (row count,
the identity report, ...) plus `unchanged`, and each of its dbt tests with its last
result plus `unchanged`: the UI keeps what it showed, and Dagster gets a result for
every check it planned (a blocking check without one is a warning, and gates nothing).
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg

UNCHANGED_KEY = "unchanged"
UNCHANGED = "nothing landed and no rule or model changed since the last full build"


def carried_over(context: dg.AssetExecutionContext, keys: list[dg.AssetKey]) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """An output per model in `keys` (in that order), then a result per check of theirs."""
    assets_def = context.assets_def
    latest = context.instance.get_latest_materialization_events(keys)
    for key in keys:
        record = latest.get(key)
        previous = record.asset_materialization.metadata if record and record.asset_materialization else {}
        yield dg.Output(None, output_name=assets_def.get_output_name_for_asset_key(key),
                        metadata={**previous, UNCHANGED_KEY: UNCHANGED})
    left_alone = set(keys)
    storage = context.instance.event_log_storage
    for check_key in assets_def.check_keys:
        if check_key.asset_key not in left_alone:
            continue
        # the newest record is this run's plan; the one before, the last evaluation
        evaluations = (record.event.asset_check_evaluation for record in storage.get_asset_check_execution_history(
            check_key, limit=20) if record.event and record.event.asset_check_evaluation)
        evaluation = next(evaluations, None)
        if evaluation is None:  # never evaluated: nothing to carry over
            continue
        yield dg.AssetCheckResult(
            asset_key=check_key.asset_key,
            check_name=check_key.name,
            passed=evaluation.passed,
            severity=evaluation.severity,
            metadata={**evaluation.metadata, UNCHANGED_KEY: UNCHANGED},
        )
