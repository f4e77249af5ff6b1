"""The `cdp` command.

    cdp demo   write the bundled sample data into the landing folder, then run everything
    cdp run    materialize everything once for the current landing folder
    cdp explain TYPE VALUE   the profile of an identifier, and the records that link it
    cdp forget TYPE VALUE    erase a person everywhere and suppress them at landing (cdp/forget.py)
    cdp unsuppress TYPE VALUE --reason TEXT   let a suppressed person's data land again
    cdp serve  Segment's tracking API into the landing folder, and the profile API (server/)

Both run the Dagster job `cdp_full_run` (the asset graph `dagster dev` shows) on the
Dagster instance in DAGSTER_HOME, so their runs appear in the UI, on either engine
(CDP_ENGINE=spark: orchestration/spark_steps.py). Exit status: 0 when
every asset and blocking check succeeded, 1 when one failed, 2 for a usage or
configuration error.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

import duckdb
from dagster import DagsterInstance

from cdp.explain import explain
from cdp.forget import forget_command, forget_usage_error, unsuppress_command
from core.config import ConfigError, load_config
from core.disk import disk_full_message, full_path, nearly_full
from core.settings import Settings, SettingsError, export_settings, load_settings, unknown_variables
from core.warehouse_lock import connect
from ingestion.sample_data import generate_landing
from orchestration.dbt.build_plan import FULL_REFRESH_TAG
from orchestration.instance_settings import install_instance_settings
from orchestration.spark_steps import SparkStepError, holding_spark
from orchestration.stale_runs import clear_stale_runs, process_tags
from server.serve import serve

SUMMARY_TABLES = ("profiles", "profile_identifiers", "events", "orders", "pos_transactions", "rejected_rows")


def prepare_dagster_home(settings: Settings) -> Path:
    """Use DAGSTER_HOME if set, else one beside the warehouse, with the project's instance settings."""
    return install_instance_settings(settings.dagster_home)


def materialize_all(settings: Settings, trigger: str, full_refresh: bool = False, job_name: str = "cdp_full_run") -> bool:
    """Run a job (the full one by default) in this process on the persistent instance; True
    when it succeeded."""
    home = prepare_dagster_home(settings)
    # Imported here, not above: the definitions bring dbt, dlt and GX (seconds of start-up)
    # that `cdp explain` and a configuration error never need. Below cdp in the layers.
    from orchestration.definitions import build_definitions

    job = build_definitions(settings).resolve_job_def(job_name)
    with DagsterInstance.from_config(str(home)) as instance:
        for run_id in clear_stale_runs(instance):
            print(f"cdp: run {run_id} was killed before it finished; marked failed and its pool slot freed", file=sys.stderr)
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={"cdp/trigger": trigger, **process_tags(), **({FULL_REFRESH_TAG: "true"} if full_refresh else {})},
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    report_failures(result)
    return result.success


def report_failures(result) -> None:
    """Say what failed: steps with their error, checks with a sample of the offending rows."""
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            # the step's own error, not Dagster's wrapper around it ("Error occurred while executing op")
            while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
                error = error.cause
            print(f"FAILED: {event.step_key}: {error.message.strip()}", file=sys.stderr)
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed:
            continue
        level = "FAILED CHECK" if evaluation.severity.value == "ERROR" else "WARNING"
        where = f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}"
        details = {k: v.value for k, v in evaluation.metadata.items()}
        print(f"{level}: {where} {json.dumps(details, default=str)[:2000]}", file=sys.stderr)


def print_summary(settings: Settings) -> None:
    # on Spark `cdp.*` in the warehouse are views over Spark's tables (core/lake_views.py)
    with connect(settings.warehouse, read_only=True, wait_seconds=settings.lock_wait_seconds) as con:
        print(f"\nwarehouse: {settings.warehouse}")
        for table in SUMMARY_TABLES:
            count = con.sql(f"select count(*) from cdp.{table}").fetchall()[0][0]
            print(f"  cdp.{table:<22} {count:>10,} rows")


def run(settings: Settings, trigger: str, full_refresh: bool = False) -> int:
    if not settings.landing_dir.is_dir():
        print(
            f"cdp: landing folder {settings.landing_dir} does not exist.\n"
            "Set CDP_LANDING_DIR to the folder your exports land in, or run `cdp demo` for sample data.",
            file=sys.stderr,
        )
        return 2
    if not any(p.is_file() for p in settings.landing_dir.rglob("*")):
        print(f"cdp: landing folder {settings.landing_dir} is empty; the run will load nothing new.", file=sys.stderr)
    started = time.monotonic()
    written = [settings.dagster_home, settings.warehouse, settings.dlt_pipelines_dir]
    try:
        ok = materialize_all(settings, trigger, full_refresh)
    except Exception as error:
        full = full_path(error, written)
        if full is None:
            raise
        print(f"cdp: {disk_full_message(error, full)}", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    if not ok:
        print(f"cdp: run failed after {elapsed:.0f} s; see the errors above.", file=sys.stderr)
        if (full := nearly_full(written)) is not None:
            print(f"cdp: {disk_full_message(OSError(), full)}", file=sys.stderr)
        return 1
    print_summary(settings)
    print(f"done in {elapsed:.0f} s")
    return 0


def explain_command(settings: Settings, config, identifier_type: str, value: str) -> int:
    try:
        found, report = explain(settings.warehouse, config, identifier_type, value)
    except ValueError as exc:
        print(f"cdp: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        print(f"cdp: cannot read {settings.warehouse} ({exc}); is a run writing it?", file=sys.stderr)
        return 2
    except duckdb.CatalogException:
        print(f"cdp: {settings.warehouse} has no profiles yet; run `cdp run` first", file=sys.stderr)
        return 2
    print(report)
    return 0 if found else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cdp", description="Warehouse-native customer data platform.")
    parser.add_argument("--version", action="version", version=f"cdp {version('cdp')}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="write sample data into the landing folder and run everything")
    demo.add_argument("--people", type=int, default=3000, help="how many people the sample has (default 3000)")
    demo.add_argument("--seed", type=int, default=7)
    run_cmd = commands.add_parser("run", help="materialize everything once for the current landing folder")
    run_cmd.add_argument("--full-refresh", action="store_true",
                         help="rebuild the incremental models from all history (history tables keep theirs)")
    explain_cmd = commands.add_parser("explain", help="show an identifier's profile and the records that link it")
    explain_cmd.add_argument("identifier_type", help="user_id, email, phone, anonymous_id, crm_contact_id, ...")
    explain_cmd.add_argument("value")
    forget_cmd = commands.add_parser("forget", help="erase a person everywhere and keep them from landing again")
    forget_cmd.add_argument("identifier_type", nargs="?", help="email, phone, user_id, crm_contact_id, ...")
    forget_cmd.add_argument("value", nargs="?", help="the identifier's value; - reads it from standard input")
    forget_cmd.add_argument("--file", help="a CSV of type,value,reason: many requests at once")
    mode = forget_cmd.add_mutually_exclusive_group()
    mode.add_argument("--suppress-only", action="store_true", help="keep their data, drop what lands from now on")
    mode.add_argument("--delete-only", action="store_true", help="erase their data, let new data land")
    forget_cmd.add_argument("--reason", help="why (a ticket number); a copy of the value in it is masked")
    unsuppress_cmd = commands.add_parser("unsuppress", help="let a suppressed person's data land again")
    unsuppress_cmd.add_argument("identifier_type")
    unsuppress_cmd.add_argument("value", help="the identifier's value; - reads it from standard input")
    unsuppress_cmd.add_argument("--reason", required=True, help="why the suppression is lifted")
    serve_cmd = commands.add_parser("serve", help="collect events over Segment's tracking API and serve profiles")
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, default=8088, help="port to listen on (default 8088)")
    dbt_cmd = commands.add_parser(
        "dbt", help="run dbt on the project against the warehouse cdp uses",
        usage="cdp dbt DBT_COMMAND [dbt args]",
        description="Run any dbt command (build, run, test, ls, show, docs generate, ...) on cdp's dbt project "
                    "against the warehouse cdp uses (CDP_WAREHOUSE). For example: cdp dbt build --select profiles+",
    )
    dbt_cmd.add_argument("dbt_args", nargs=argparse.REMAINDER, help="a dbt command and its arguments")
    args = parser.parse_args(argv)
    if args.command == "dbt" and not args.dbt_args:  # as `cdp dbt --help`: dbt alone has nothing to run
        dbt_cmd.print_help()
        return 0
    if args.command == "forget":
        usage_error = forget_usage_error(args.identifier_type, args.value, args.file, args.reason)
        if usage_error:
            forget_cmd.error(usage_error)

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"cdp: {exc}", file=sys.stderr)
        return 2
    export_settings(settings)
    if args.command == "dbt":
        from orchestration.dbt.project import DBT_PROJECT_DIR, dbt_executable  # dagster-dbt: start-up, as above

        folders = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        if settings.engine != "spark" or settings.dbt_target != "spark":
            return subprocess.run([dbt_executable(), *args.dbt_args, *folders]).returncode
        # local Spark's catalog admits one JVM: a hand-run dbt waits for a run's Spark steps, and a run for it
        try:
            with holding_spark(settings, log=lambda line: print(f"cdp: {line}", file=sys.stderr)):
                return subprocess.run([dbt_executable(), *args.dbt_args, *folders]).returncode
        except SparkStepError as exc:
            print(f"cdp: {exc}", file=sys.stderr)
            return 1
    try:
        config = load_config(settings.config_path)
    except ConfigError as exc:
        print(f"cdp: {exc}", file=sys.stderr)
        return 2
    for warning in unknown_variables(config.environment_variables()):
        print(f"cdp: warning: {warning}", file=sys.stderr)

    if args.command == "explain":
        return explain_command(settings, config, args.identifier_type, args.value)
    if args.command == "serve":
        return serve(settings, config, args.host, args.port)
    if args.command == "forget":
        def run_job(name: str) -> bool:
            return materialize_all(settings, "cdp forget", job_name=name)
        return leaving(forget_command(settings, config, args, run_job))
    if args.command == "unsuppress":
        return unsuppress_command(settings, config, args)

    if args.command == "demo":
        counts = generate_landing(settings.landing_dir, people_count=args.people, seed=args.seed)
        print(f"sample data written to {settings.landing_dir}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        return leaving(run(settings, trigger="cdp demo"))
    return leaving(run(settings, trigger="cdp run", full_refresh=args.full_refresh))


def leaving(code: int) -> NoReturn:
    """Exit at once with `code`. Python's own shutdown would first collect every object a
    run made (Dagster's, dlt's, GX's): 2 s after the work was done. By now the run has
    closed all it opened; output is flushed here."""
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
