"""The daily run. Hour and timezone come from the environment so ops can move them without code."""

import os

import dagster as dg

from orchestration.jobs import full_run_job


def daily_schedule() -> dg.ScheduleDefinition:
    hour = int(os.environ.get("CDP_SCHEDULE_HOUR", "3"))
    return dg.ScheduleDefinition(
        name="cdp_daily",
        job=full_run_job,
        cron_schedule=f"0 {hour} * * *",
        execution_timezone=os.environ.get("CDP_SCHEDULE_TIMEZONE", "UTC"),
        tags={"cdp/trigger": "schedule"},
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
