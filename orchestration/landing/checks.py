"""Checks that read back what the landing step reported for each source.

A file set aside is a warning on its source: the run goes on, the file waits for a
fixed copy. An API source that did not answer fails its blocking check: the run fails
(so a schedule's run is red), but being a step of its own it stops only what reads
that source's table, not dbt's build of every other source.
"""

import dagster as dg

from core.config import CdpConfig
from orchestration.landing.assets import API_ERROR, SET_ASIDE


def _last_report(context: dg.AssetCheckExecutionContext, key: dg.AssetKey) -> dict:
    event = context.instance.get_latest_materialization_event(key)
    materialization = event.asset_materialization if event else None
    return {k: v.value for k, v in materialization.metadata.items()} if materialization else {}


def _files_check(names: list[str]) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec("every_file_read", asset=dg.AssetKey(["raw", name]),
                          description="Every new file of this source was read whole; a file set aside is named here.")
        for name in names
    ]

    @dg.multi_asset_check(specs=specs, name="landing_files_read", can_subset=True)
    def check(context: dg.AssetCheckExecutionContext):
        for key in context.selected_asset_check_keys:
            report = _last_report(context, key.asset_key)
            yield dg.AssetCheckResult(
                asset_key=key.asset_key, check_name=key.name, passed=not report.get(SET_ASIDE),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={k: report[k] for k in (SET_ASIDE, "set_aside") if k in report},
            )

    return check


def _api_check(name: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(["raw", name])

    @dg.asset_check(asset=key, name="api_answered", blocking=True,
                    description="The API answered every page of this run's fetch.")
    def check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        error = _last_report(context, key).get(API_ERROR)
        return dg.AssetCheckResult(passed=error is None, metadata={"error": error} if error else {})

    return check


def build_landing_checks(config: CdpConfig) -> list[dg.AssetChecksDefinition]:
    files = [name for name, source in config.sources.items() if source.files]
    apis = [name for name, source in config.sources.items() if source.api]
    return ([_files_check(files)] if files else []) + [_api_check(name) for name in apis]
