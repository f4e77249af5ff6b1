"""GX suites and source freshness as asset checks.

A blocking check that fails stops everything downstream of its asset in the run: bad
landed data never reaches the profiles, a broken mart is never published. Warnings
are recorded and the run goes on.
"""

from datetime import datetime, timezone

import dagster as dg

from core.config import CdpConfig
from core.settings import Settings
from core.sql import quote
from core.warehouse_lock import connect
from orchestration.pools import WAREHOUSE_POOL
from quality.runner import table_exists, validate_query
from quality.suites import LANDED, MARTS, Suite


def _suite_check(suite: Suite, settings: Settings) -> dg.AssetChecksDefinition:
    warehouse, lock_wait = settings.warehouse, settings.lock_wait_seconds

    @dg.asset_check(
        asset=dg.AssetKey(suite.asset),
        name=suite.name,
        description=suite.description,
        blocking=suite.blocking,
        pool=WAREHOUSE_POOL,
    )
    def check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        if not table_exists(warehouse, *suite.asset, lock_wait=lock_wait):
            # a configured source with no file yet: nothing to hold to account (freshness warns)
            return dg.AssetCheckResult(passed=True, metadata={"rows_validated": 0, "note": "no data landed yet"})
        sql, metadata = suite.sql, {}
        if suite.landed_at_column:
            since = _validated_through(context)
            through = _latest_landing(settings, suite)
            if since:
                sql = f"select * from ({suite.sql}) as landed where {suite.landed_at_column} > cast('{since}' as timestamptz)"
            metadata = {"landed_after": since or "(all rows)", VALIDATED_THROUGH: str(through)}
        outcome = validate_query(warehouse, suite.name, sql, suite.expectations, suite.shown, lock_wait=lock_wait)
        metadata["rows_validated"] = outcome.rows
        for failure in outcome.failures():
            label = f"{failure.expectation}({failure.column})" if failure.column else failure.expectation
            metadata[f"failed/{label}"] = failure.unexpected
            metadata[f"sample/{label}"] = dg.MetadataValue.json(failure.sample)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.blocking else dg.AssetCheckSeverity.WARN,
            metadata=metadata,
        )

    return check


VALIDATED_THROUGH = "validated_through"


def _validated_through(context: dg.AssetCheckExecutionContext) -> str | None:
    """The landing time up to which the last passed evaluation of this check validated."""
    history = context.instance.event_log_storage.get_asset_check_execution_history(
        context.check_specs[0].key, limit=100
    )
    for record in history:
        evaluation = record.event.asset_check_evaluation if record.event else None
        if evaluation and evaluation.passed and VALIDATED_THROUGH in evaluation.metadata:
            value = evaluation.metadata[VALIDATED_THROUGH].value
            return None if value == "None" else value
    return None


def _latest_landing(settings: Settings, suite: Suite):
    # read before validating: the pool keeps landing from adding rows meanwhile
    schema, table = suite.asset
    with connect(settings.warehouse, read_only=True, wait_seconds=settings.lock_wait_seconds, what=suite.name) as con:
        return con.sql(f"select max({quote(suite.landed_at_column)}) from {quote(schema)}.{quote(table)}").fetchall()[0][0]


def _freshness_check(name: str, hours: float, settings: Settings) -> dg.AssetChecksDefinition:
    warehouse, lock_wait = settings.warehouse, settings.lock_wait_seconds

    @dg.asset_check(
        asset=dg.AssetKey(["raw", name]),
        name="freshness",
        description=f"Something new landed for {name} within the last {hours:g} hours.",
        pool=WAREHOUSE_POOL,
    )
    def check() -> dg.AssetCheckResult:
        latest = None
        if table_exists(warehouse, "raw", name, lock_wait=lock_wait):
            with connect(warehouse, read_only=True, wait_seconds=lock_wait, what=f"freshness of {name}") as con:
                latest = con.sql(f"select max(_cdp_loaded_at) from raw.{quote(name)}").fetchall()[0][0]
        if latest is None:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata={"last_loaded_at": "never"})
        age = datetime.now(timezone.utc) - (latest if latest.tzinfo else latest.replace(tzinfo=timezone.utc))
        age_hours = age.total_seconds() / 3600
        return dg.AssetCheckResult(
            passed=age_hours <= hours,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"last_loaded_at": str(latest), "hours_since": round(age_hours, 1), "limit_hours": hours},
        )

    return check


def build_quality_checks(config: CdpConfig, settings: Settings) -> list[dg.AssetChecksDefinition]:
    # a landed-data suite applies only when its source is configured
    present = {("raw", name) for name in [*config.sources, "identifiers"]}
    checks = [_suite_check(suite, settings) for suite in LANDED if tuple(suite.asset) in present]
    checks += [_suite_check(suite, settings) for suite in MARTS]
    checks += [_freshness_check(name, source.freshness_hours, settings) for name, source in config.sources.items()]
    return checks
