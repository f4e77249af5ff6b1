"""The profile API's answers, from whichever published snapshot is newest.

`cdp run` publishes by renaming a new file over `cdp_published.duckdb`. A watcher
thread looks at that name every `snapshot_check_seconds`; when it names a new file,
the thread indexes it (server/snapshot.py) while the old one keeps answering, then
swaps. The previous snapshot's DuckDB handle closes when its last request is done. A
read-only handle on the old file never blocks publishing, which writes another file.

Segment's Profile API shapes (`/v1/spaces/.../profiles/<type>:<value>/traits` and
`/external_ids`) are made by server/segment_profiles.py from the same lookup.

Consent: a purpose is one of cdp.yml's (`cdp.profile_consent`), or a boolean profile
column `<purpose>_consent` (`email_consent`). A lookup that names one
(`?purpose=email_marketing`) is answered only for a person who granted it (whose column
is true); for anyone else the answer is the same 404 as for a stranger.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import orjson

from core.config import IdentityConfig
from server import segment_profiles
from server.errors import ApiError
from server.snapshot import PROFILE_ID, FileId, Snapshot

log = logging.getLogger("cdp.server")

MAX_EVENTS_PAGE = 500
NOT_FOUND = "no profile with this identifier (or none that consented to this purpose)"


class ProfileStore:
    """The snapshot being served, swapped for a new one when one is published."""

    def __init__(self, path: Path, identity: IdentityConfig, check_seconds: float,
                 computed_traits: frozenset[str] = frozenset()):
        self.path = path
        self.identity = identity
        self.check_seconds = check_seconds
        # cdp.yml's computed traits: Segment's `class=computed_trait`; the table's other
        # columns are sources' traits, plain traits there
        self.computed_traits = computed_traits
        self.current: Snapshot | None = None
        self._failed: FileId | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="cdp-snapshots", daemon=True)

    def start(self) -> None:
        """Index the snapshot there is (before the server says it is ready), then watch."""
        self.refresh()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def refresh(self) -> bool:
        """Index the file under the snapshot's name if it is not the one served; True on a swap."""
        file_id = FileId.of(self.path)
        served = self.current.file_id if self.current else None
        if file_id is None or file_id in (served, self._failed):
            return False
        try:
            snapshot = Snapshot(self.path)
        except Exception as exc:  # whatever it is, the snapshot served so far stays
            self._failed = file_id
            log.error("could not read the snapshot %s: %s", self.path.name, type(exc).__name__)
            return False
        self.current = snapshot
        log.info("serving the snapshot of run %s: %s people", snapshot.run_id, f"{snapshot.people:,}")
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.check_seconds):
            self.refresh()

    def _snapshot(self) -> Snapshot:
        snapshot = self.current
        if snapshot is None:
            raise ApiError(503, "no_snapshot", "no snapshot has been published yet; `cdp run` publishes one")
        return snapshot

    def lookup(self, id_type: str, raw_value: str, purpose: str | None) -> tuple[Snapshot, int]:
        snapshot = self._snapshot()
        if purpose is not None and purpose not in snapshot.purposes:
            known = ", ".join(sorted(snapshot.purposes)) or "none"
            raise ApiError(400, "unknown_purpose", f"unknown purpose {purpose!r} (known: {known})")
        if id_type != PROFILE_ID and id_type not in self.identity.identifier_types:
            known = ", ".join([PROFILE_ID, *sorted(self.identity.identifier_types)])
            raise ApiError(400, "unknown_identifier_type", f"unknown identifier type {id_type!r} (known: {known})")
        # Stored values are normalised, so one equal to the value trimmed (and lower-cased,
        # for emails) is the person: the full normalisation (email-validator, phonenumbers)
        # runs only when that finds no one.
        kind = self.identity.identifier_types[id_type].normalize if id_type != PROFILE_ID else "id"
        value = raw_value.strip().lower() if kind == "email" else raw_value.strip()
        ordinal = snapshot.find(id_type, value) if value else None
        if ordinal is None and kind != "id":
            value, _ = self.identity.normalize_identifier(id_type, raw_value)
            ordinal = snapshot.find(id_type, value) if value else None
        if ordinal is None or (purpose is not None and not snapshot.consents(ordinal, purpose)):
            raise ApiError(404, "not_found", NOT_FOUND)
        return snapshot, ordinal

    def profile(self, id_type: str, raw_value: str, purpose: str | None) -> dict:
        snapshot, ordinal = self.lookup(id_type, raw_value, purpose)
        return {**snapshot.profile(ordinal), "snapshot": _published(snapshot)}

    def segment_answer(self, kind: str, external_id: str, params: Mapping[str, str], url: str) -> dict:
        """Segment's `/traits` or `/external_ids` of the profile named `<type>:<value>`."""
        id_type, value = segment_profiles.split_external_id(external_id)
        snapshot, ordinal = self.lookup(id_type, value, params.get("purpose"))
        if kind == "traits":
            return segment_profiles.traits(snapshot, ordinal, self.computed_traits, params, url)
        return segment_profiles.external_ids(snapshot, ordinal, params, url)

    def events(self, id_type: str, raw_value: str, purpose: str | None, limit: int, cursor: str | None) -> dict:
        """A page of the profile's events, newest first; `next` is the cursor of the page after."""
        if not 1 <= limit <= MAX_EVENTS_PAGE:
            raise ApiError(400, "invalid_request", f"limit is between 1 and {MAX_EVENTS_PAGE}")
        before = _read_cursor(cursor) if cursor else None
        snapshot, ordinal = self.lookup(id_type, raw_value, purpose)
        profile_id = snapshot.profile_id(ordinal)
        rows = snapshot.events(profile_id, limit + 1, before)
        page, more = rows[:limit], len(rows) > limit
        following = _write_cursor(page[-1]["event_at"], page[-1]["message_id"]) if more else None
        return {"profile_id": profile_id, "events": page, "next": following, "snapshot": _published(snapshot)}


def _published(snapshot: Snapshot) -> dict:
    return {"published_at": snapshot.published_at, "run_id": snapshot.run_id}


def _write_cursor(event_at: datetime, message_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([event_at.isoformat(), message_id])).decode()


def _read_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        event_at, message_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(event_at), str(message_id)
    except (binascii.Error, orjson.JSONDecodeError, ValueError, TypeError) as exc:
        raise ApiError(400, "invalid_request", "cursor is not one this API gave") from exc
