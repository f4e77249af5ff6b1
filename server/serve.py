"""`cdp serve`: check the setup, say what is open to whom, then run uvicorn.

Settings: CDP_LANDING_DIR (events go to the folder of the `server.source` glob under
it), CDP_PUBLISHED_DIR (the snapshot the profile API reads), CDP_WRITE_KEYS and
CDP_READ_KEYS (comma-separated; without keys that API refuses every request), and the
`server:` section of cdp.yml.
"""

from __future__ import annotations

import logging
import sys

import uvicorn

from core.config import CdpConfig
from core.settings import Settings
from server.app import create_app
from server.keys import READ_KEYS_VARIABLE, WRITE_KEYS_VARIABLE, KeySet
from server.messages import Limits
from server.profiles import ProfileStore
from server.spool import Spool, spool_folder


class SetupError(ValueError):
    """A reason `cdp serve` cannot start, worded for the operator."""


def _spool(settings: Settings, config: CdpConfig) -> Spool:
    server = config.server
    source = config.sources.get(server.source)
    if source is None or source.format != "segment" or source.files is None:
        raise SetupError(f"server.source: {server.source!r} is not a segment-format file source of cdp.yml")
    try:
        folder = spool_folder(settings.landing_dir, source.files)
    except ValueError as exc:
        raise SetupError(f"sources.{server.source}.files: {exc}") from exc
    return Spool(folder, roll_bytes=int(server.roll_mb * (1 << 20)), roll_seconds=server.roll_seconds)


def _announce(write_keys: KeySet, read_keys: KeySet, spool: Spool, store: ProfileStore) -> None:
    def say(line: str) -> None:
        print(f"cdp serve: {line}", file=sys.stderr)

    if write_keys:
        say(f"tracking API open to {len(write_keys)} write key(s); events go to {spool.folder}")
    else:
        say(f"no write keys ({WRITE_KEYS_VARIABLE} is empty): the tracking API refuses every request")
    if read_keys:
        say(f"profile API open to {len(read_keys)} read key(s); profiles from {store.path}")
    else:
        say(f"no read keys ({READ_KEYS_VARIABLE} is empty): the profile API refuses every request")


def serve(settings: Settings, config: CdpConfig, host: str, port: int) -> int:
    try:
        spool = _spool(settings, config)
    except SetupError as exc:
        print(f"cdp: {exc}", file=sys.stderr)
        return 2
    limits = Limits(message_bytes=config.server.max_message_kb * 1024, batch_bytes=config.server.max_batch_kb * 1024)
    store = ProfileStore(settings.published_snapshot, config.identity, config.server.snapshot_check_seconds,
                         frozenset(config.computed_traits))
    write_keys = KeySet.from_environment(WRITE_KEYS_VARIABLE)
    read_keys = KeySet.from_environment(READ_KEYS_VARIABLE)
    _announce(write_keys, read_keys, spool, store)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(spool, limits, store, write_keys, read_keys)
    # uvicorn's access log would print profile URLs, which hold identifiers: ours does not
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False, lifespan="on")
    return 0
