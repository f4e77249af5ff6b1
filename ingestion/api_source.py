"""The dlt resource of a REST API source: every page fetched first, then landed like a file.

Settings: `sources.<name>.api` in cdp.yml, and the environment variables its
`base_url_env` and `token_env` name; dlt's RUNTIME__REQUEST_MAX_ATTEMPTS and
RUNTIME__REQUEST_BACKOFF_FACTOR say how often a 5xx or a lost connection is retried.

dlt's REST client pages through the API, and the records are spooled to a temporary
file as JSON lines; only once the last page has arrived are they parsed and handed to
dlt. So an API that fails midway lands nothing and keeps its cursor, the failure is
recorded in `raw.rejected_files` (and fails this source's asset check), and every other
source lands. The cursor (the largest `cursor_field` seen) lives in the resource state,
saved with the load: the next run asks for what changed since.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

import dlt
from dlt.common.jsonpath import find_values
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import JSONLinkPaginator, SinglePagePaginator

from core.config import ApiConfig, IdentityConfig, SourceConfig
from core.privacy import SuppressionList
from ingestion.chunks import ChunkFailed, ParserPool, emit, is_environment_error, now
from ingestion.landed import REJECTED_FILES, FileStats, LandingStats, SourceStats, rejected_file_row
from ingestion.readers import line_chunks


def _client(name: str, api: ApiConfig) -> RESTClient:
    """The API's client; a variable cdp.yml names but the environment lacks is a config error."""
    base_url = api.base_url or os.environ.get(api.base_url_env, "")
    if not base_url:
        raise ValueError(f"sources.{name}.api: environment variable {api.base_url_env} is not set")
    auth = None
    if api.token_env:
        token = os.environ.get(api.token_env)
        if not token:
            raise ValueError(f"sources.{name}.api: environment variable {api.token_env} (the API token) is not set")
        auth = BearerTokenAuth(token)
    paginator = JSONLinkPaginator(next_url_path=api.next_url_path) if api.next_url_path else SinglePagePaginator()
    return RESTClient(base_url=base_url, auth=auth, paginator=paginator, data_selector=api.data_selector)


_QUERY = re.compile(r"\?[^\s'\")]*")


def describe_api_error(error: BaseException) -> str:
    """An API failure without query strings (they may carry a cursor or a key)."""
    response = getattr(error, "response", None)
    if response is not None:
        url = urlsplit(response.url)
        return f"the API answered {response.status_code} {response.reason} for {url.scheme}://{url.netloc}{url.path}"
    return f"the API could not be read: {type(error).__name__}: {_QUERY.sub('?…', str(error))}"


def _fetch(client: RESTClient, api: ApiConfig, since: str | None, spool) -> str | None:
    """Write every record as a JSON line to `spool`; returns the new cursor. A record whose
    cursor is older than `since` is left out, as dlt's incremental did, for an API that
    ignores the cursor parameter."""
    params = {api.cursor_param: since} if api.cursor_param and since is not None else {}
    cursor = since
    for page in client.paginate(api.path, params=params):
        for record in page:
            values = [str(v) for v in find_values(api.cursor_field, record) if v is not None] if api.cursor_field else []
            if since is not None and values and max(values) < since:
                continue
            spool.write(json.dumps(record, default=str).encode() + b"\n")
            if values and (cursor is None or max(values) > cursor):
                cursor = max(values)
    return cursor


def _last_cursor(name: str, api: ApiConfig, state: dict) -> str | None:
    if "cursor" in state:
        return state["cursor"]
    # where dlt's rest_api incremental kept it before this resource did
    pages = dlt.current.source_state().get("resources", {}).get(f"{name}_pages", {})
    earlier = pages.get("incremental", {}).get(api.cursor_field or "", {}).get("last_value")
    return earlier if earlier is not None else api.initial_cursor


def api_resource(name: str, source: SourceConfig, identity: IdentityConfig, stats: LandingStats,
                 suppressions: SuppressionList | None = None):
    api = source.api
    client = _client(name, api)

    @dlt.resource(name=name, write_disposition="append")
    def read_api() -> Iterator[object]:
        state = dlt.current.resource_state()
        counts = stats.sources.setdefault(name, SourceStats())
        file = FileStats(f"api:{api.path}")
        loaded_at, load_id = now(), dlt.current.load_package_state()["load_id"]
        with tempfile.TemporaryFile(prefix=f"cdp-{name}-") as spool:
            try:
                cursor = _fetch(client, api, _last_cursor(name, api, state), spool)
            except Exception as error:
                if is_environment_error(error):
                    raise
                file.fail(describe_api_error(error))
            else:
                spool.seek(0)
                yield from _land_spool(ParserPool(name, source, identity, load_id, suppressions), spool, file, loaded_at)
        counts.finish(file)
        if file.error is not None:
            yield dlt.mark.with_table_name(rejected_file_row(name, file, loaded_at, load_id), REJECTED_FILES)
        elif api.cursor_field:
            state["cursor"] = cursor

    return read_api


def _land_spool(parsers: ParserPool, spool, file: FileStats, loaded_at: datetime) -> Iterator[object]:
    try:
        for chunk in line_chunks(spool):
            result = parsers.parse(loaded_at, chunk, file)
            if isinstance(result, ChunkFailed):
                file.fail(result.error)
                return
            yield from emit(result)
    finally:
        parsers.close()
