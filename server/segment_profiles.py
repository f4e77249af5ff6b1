"""Segment's Profile API shapes over the published snapshot: a profile's traits
(`/traits`, audiences and computed traits among them) and its external ids.

A service written against Segment's Profile API changes its host and key only:
`GET /v1/spaces/<space>/collections/users/profiles/<type>:<value>/traits` answers
`{"traits": {...}, "cursor": {"url", "has_more", "next", "limit"}}` as Segment does.
The traits are cdp.profiles' columns, cdp.profile_computed_traits' columns, and one
`true` per segment the profile is in (Segment makes an audience a boolean trait of its
name; `false` once the profile has left it). A trait without a value is left out, as a
Segment profile holds only traits a source set. Pages go in name order, `next` being the last name served.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server.errors import ApiError
from server.snapshot import Snapshot

CLASSES = ("audience", "computed_trait")
TRAITS_LIMIT = (10, 200)  # Segment's default and largest page of traits
EXTERNAL_IDS_LIMIT = (25, 100)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


def split_external_id(external_id: str) -> tuple[str, str]:
    """`email:ada@lovelace.io` -> (`email`, `ada@lovelace.io`): the type ends at the first colon."""
    id_type, colon, value = external_id.partition(":")
    if not colon or not id_type:
        raise _invalid("the profile is named <type>:<value>, as user_id:u123")
    return id_type, value


def _limit(params: Mapping[str, str], bounds: tuple[int, int], least: int = 0) -> int:
    default, largest = bounds
    given = params.get("limit")
    if given is None:
        return min(max(default, least), largest)
    if not given.isdigit() or not 1 <= int(given) <= largest:
        raise _invalid(f"limit is a whole number from 1 to {largest}")
    return int(given)


def _names(params: Mapping[str, str], key: str) -> list[str] | None:
    given = params.get(key)
    return None if given is None else [name.strip() for name in given.split(",") if name.strip()]


@dataclass(frozen=True)
class Page:
    """One page of a list in name order, as Segment's cursors page it."""

    limit: int
    after: str

    @classmethod
    def of(cls, params: Mapping[str, str], bounds: tuple[int, int], least: int = 0) -> Page:
        if params.get("verbose", "false").lower() not in ("false", "0"):
            raise _invalid("verbose=true is not served: each trait is its value")
        return cls(_limit(params, bounds, least), params.get("next", ""))

    def cut(self, keys: list[str], url: str) -> tuple[list[str], dict]:
        rest = [key for key in sorted(keys) if key > self.after] if self.after else sorted(keys)
        served, more = rest[:self.limit], len(rest) > self.limit
        return served, {"url": url, "has_more": more, "next": served[-1] if more else "", "limit": self.limit}


def traits(snapshot: Snapshot, ordinal: int, computed: frozenset[str], params: Mapping[str, str], url: str) -> dict:
    """`/traits`: `class=audience` for the segments only, `class=computed_trait` for
    cdp.yml's computed traits only, `include=a,b` for those names, `limit` and `next`."""
    kind = params.get("class")
    if kind is not None and kind not in CLASSES:
        raise _invalid(f"class is {' or '.join(CLASSES)}")
    found: dict = {}
    if kind != "audience":
        found = {name: value for name, value in snapshot.traits(ordinal).items()
                 if value is not None and (kind is None or name in computed)}
    if kind != "computed_trait":
        # a segment named like a trait is the audience: what `include=<segment>` asks for
        found.update(snapshot.audiences(ordinal))
    include = _names(params, "include")
    if include is not None:
        found = {name: value for name, value in found.items() if name in include}
    served, cursor = Page.of(params, TRAITS_LIMIT, len(include or ())).cut(list(found), url)
    return {"traits": {name: found[name] for name in served}, "cursor": cursor}


def external_ids(snapshot: Snapshot, ordinal: int, params: Mapping[str, str], url: str) -> dict:
    """`/external_ids`: the profile's identifiers, `include=email,user_id` for those types."""
    include = _names(params, "include")
    ids = [i for i in snapshot.identifiers(ordinal) if include is None or i["type"] in include]
    by_key = {f"{i['type']}:{i['value']}": i for i in ids}
    served, cursor = Page.of(params, EXTERNAL_IDS_LIMIT).cut(list(by_key), url)
    data = [{"collection": "users", "type": by_key[key]["type"], "id": by_key[key]["value"],
             "created_at": by_key[key]["first_seen_at"], "encoding": "none", "source_id": None} for key in served]
    return {"data": data, "cursor": cursor}
