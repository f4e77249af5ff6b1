"""The daily run. Hour and timezone come from the settings (CDP_SCHEDULE_HOUR,
CDP_SCHEDULE_TIMEZONE) so ops can move them without code."""

import dagster as dg

from core.settings import Settings
from orchestration.jobs import full_run_job


def daily_schedule(settings: Settings) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="cdp_daily",
        job=full_run_job,
        cron_schedule=f"0 {settings.schedule_hour} * * *",
        execution_timezone=settings.schedule_timezone,
        tags={"cdp/trigger": "schedule"},
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
