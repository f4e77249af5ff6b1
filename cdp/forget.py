"""`cdp forget` and `cdp unsuppress`: privacy requests from the people who handle them.

    cdp forget TYPE VALUE [--suppress-only | --delete-only] [--reason TEXT]
    cdp forget --file requests.csv [--suppress-only | --delete-only]     (type,value,reason)
    cdp unsuppress TYPE VALUE --reason TEXT

A VALUE of `-` is read from standard input, so it stays out of the shell's history. Each
request is recorded (type and keyed hash, never the value) and `cdp forget` then runs the
Dagster job `cdp_forget`: the same privacy step, dbt build, exports and publishing as a
run, without landing. Lifting a suppression needs none of that and is done at once.
Exit status: 0 when every request completed, 1 when the run failed, 2 when a request was
invalid (it is kept in cdp.privacy_requests for review) or the command was misused.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from core.config import CdpConfig
from core.privacy import PrivacyKeyError, check_key, install_keyed_hash, load_key
from core.settings import Settings
from privacy.requests import Given, Request, make_request, read_csv_requests, record
from privacy.status import requests as request_rows
from privacy.store import COMPLETED, ensure_tables
from privacy.unsuppress import lift_suppressions


class RequestsError(Exception):
    """The requests could not be read at all (nothing was recorded)."""


def _given(identifier_type: str | None, value: str | None, reason: str | None, file: str | None) -> list[Given]:
    """The requests as given: one TYPE VALUE (`-`: the value from standard input), or a CSV."""
    if file:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise RequestsError(f"cannot read {path}: {error.strerror or type(error).__name__}") from error
        except UnicodeDecodeError as error:
            raise RequestsError(f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV") from error
        given = read_csv_requests(text, f"file {path.name}")
        if not given:
            raise RequestsError(f"{path} holds no request (rows of type,value,reason)")
        return given
    if value == "-":
        value = sys.stdin.readline().rstrip("\r\n")
    return [Given(identifier_type or "", value or "", reason or "", "cli")]


def _record(settings: Settings, config: CdpConfig, kind: str, given: list[Given]) -> list[Request]:
    key = load_key(settings.data_dir)
    made = [make_request(config.identity, key, kind, g) for g in given]
    with duckdb.connect(str(settings.warehouse)) as con:
        ensure_tables(con, key)
        check_key(con, key)
        install_keyed_hash(con, key)
        con.sql("begin")
        ids = record(con, made)
        con.sql("commit")
    return [Request(i, r.kind, r.identifier_type, r.identifier_hash, r.reason, r.origin, r.error) for i, r in zip(ids, made)]


def _report(settings: Settings, made: list[Request]) -> bool:
    """Print each request's outcome; True when all completed."""
    rows = {row["request_id"]: row for row in request_rows(settings.warehouse, [r.request_id for r in made])}
    done = True
    for request in made:
        row = rows.get(request.request_id, {})
        if request.error:
            print(f"cdp: request {request.request_id} ({request.origin}) is invalid, kept for review: {request.error}",
                  file=sys.stderr)
            done = False
            continue
        details = {k: v for k, v in row.items() if k not in ("request_id", "kind", "identifier_type") and v not in (None, "{}")}
        print(f"{request.request_id} {request.kind} {request.identifier_type}: " +
              ", ".join(f"{k}={v}" for k, v in details.items()))
        done = done and row.get("status") == COMPLETED
    return done


def forget_usage_error(identifier_type: str | None, value: str | None, file: str | None, reason: str | None) -> str | None:
    """What is wrong with how `cdp forget` was called, or None."""
    if file and (identifier_type or value):
        return "give TYPE VALUE or --file, not both"
    if file and reason:
        return "--reason is for one request; a file gives each its reason in the third column (type,value,reason)"
    if not file and not (identifier_type and value):
        return "give TYPE VALUE (e.g. `cdp forget email ann@mail.org`), or --file with a CSV of type,value,reason"
    return None


def forget_command(settings: Settings, config: CdpConfig, args, run_job: Callable[[str], bool]) -> int:
    """`run_job(job_name)` runs a Dagster job and says whether it succeeded."""
    kind = "suppress_only" if args.suppress_only else "delete_only" if args.delete_only else "forget"
    made = _record_or_say(settings, config, kind, lambda: _given(args.identifier_type, args.value, args.reason, args.file))
    if made is None:
        return 2
    ran = run_job("cdp_forget") if any(r.error is None for r in made) else True
    completed = _report(settings, made)
    if not ran:
        return 1
    return 0 if completed else 2


def unsuppress_command(settings: Settings, config: CdpConfig, args) -> int:
    made = _record_or_say(settings, config, "unsuppress", lambda: _given(args.identifier_type, args.value, args.reason, None))
    if made is None:
        return 2
    if made[0].error is None:
        lift_suppressions(settings)
    return 0 if _report(settings, made) else 2


def _record_or_say(settings: Settings, config: CdpConfig, kind: str, read: Callable[[], list[Given]]) -> list[Request] | None:
    """Record the requests `read` gives; None (and why, on stderr) when none could be."""
    if not settings.warehouse.exists():
        print(f"cdp: no warehouse at {settings.warehouse}: nothing has landed yet, so there is nobody to {kind.split('_')[0]}",
              file=sys.stderr)
        return None
    try:
        return _record(settings, config, kind, read())
    except (RequestsError, PrivacyKeyError) as error:
        print(f"cdp: {error}", file=sys.stderr)
    except duckdb.IOException as error:
        print(f"cdp: cannot write {settings.warehouse} ({error}); is a run writing it? Try again when it ends.",
              file=sys.stderr)
    return None
