"""Sending a destination's changes with dlt: files through the filesystem destination,
HTTP through a `@dlt.destination` function that POSTs batches with retries.

Each destination has its own dlt pipeline. A package left by a failed send is dropped
before the next one: the changes are recomputed from the warehouse, which only moves
forward after a send succeeded, so nothing is skipped and nothing is sent twice by dlt.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dlt
import pyarrow as pa
from dlt.destinations import filesystem
from dlt.pipeline.exceptions import PipelineStepFailed
from dlt.sources.helpers.requests import Client

from core.config import DestinationConfig

CHUNK_ROWS = 50_000


class DestinationError(RuntimeError):
    """A destination that cannot be sent to, worded for the person running the CDP."""


def _http_destination(name: str, destination: DestinationConfig):
    url = os.environ.get(destination.url_env or "")
    if not url:
        raise DestinationError(f"destination {name}: set {destination.url_env} to the endpoint URL")
    headers = {"Content-Type": "application/json"}
    if destination.token_env:
        token = os.environ.get(destination.token_env)
        if not token:
            raise DestinationError(f"destination {name}: set {destination.token_env} to the API token")
        headers["Authorization"] = f"Bearer {token}"
    # retries 429, 5xx and connection errors with exponential backoff
    session = Client(request_max_attempts=5, request_backoff_factor=0.5, request_timeout=60).session

    @dlt.destination(batch_size=destination.batch_size, name=f"cdp_http_{name}", loader_file_format="parquet")
    def post_batch(items, table) -> None:
        # parquet load files reach us as Arrow record batches of batch_size rows
        rows = items.to_pylist() if isinstance(items, (pa.RecordBatch, pa.Table)) else list(items)
        body = json.dumps({"destination": name, "table": table["name"], "rows": rows}, default=str)
        session.post(url, data=body, headers=headers)

    return post_batch


def _file_destination(export_dir: Path):
    return filesystem(bucket_url=export_dir.as_uri())


def send(
    name: str,
    destination: DestinationConfig,
    changes: Iterator[pa.RecordBatch],
    members: Iterator[pa.RecordBatch] | None,
    export_dir: Path,
    pipelines_dir: Path,
) -> None:
    """Send changes (appended) and, for file destinations, the full current rows (replaced)."""
    # Plain .csv files: the tools that import them (CRMs, email tools) rarely read gzip.
    os.environ["NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION"] = "true"
    target = _http_destination(name, destination) if destination.type == "http" else _file_destination(export_dir)
    pipeline = dlt.pipeline(
        pipeline_name=f"cdp_export__{name}",
        destination=target,
        dataset_name=name,
        pipelines_dir=str(pipelines_dir),
    )
    pipeline.drop_pending_packages()
    resources = [dlt.resource(changes, name="changes", write_disposition="append")]
    if members is not None:
        resources.append(dlt.resource(members, name="members", write_disposition="replace"))
    file_format = destination.type if destination.type in ("csv", "parquet") else None
    try:
        pipeline.run(resources, loader_file_format=file_format)
    except PipelineStepFailed as exc:
        cause = exc.__cause__ or exc
        raise DestinationError(
            f"destination {name}: the send failed ({type(cause).__name__}: {str(cause).splitlines()[0]}); "
            "nothing was recorded as sent, so the next run sends these changes again"
        ) from exc
