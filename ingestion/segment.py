"""Segment-spec events: how a raw JSON line becomes an event row, its identifiers and traits.

The spec's rules (https://segment.com/docs/connections/spec/common/) applied here:
an event needs a `userId` or an `anonymousId` (a track without an `event`
name still loads: its identity data is good); snake_case `user_id` counts too; a
payload without `messageId` gets a deterministic id from its content, so a re-sent
copy is stored once; `timestamp` falls back to `originalTimestamp`, `sentAt`,
`receivedAt`, then the load time.
"""

from __future__ import annotations

import json

from core.sql import literal, quote
from ingestion.tabular import JSON_ERROR

# The Segment source the dbt models read (raw.events); other segment-format sources feed
# the identity graph through raw.identifiers alone.
EVENTS_SOURCE = "events"

EVENT_TYPES = ("identify", "track", "page", "screen", "alias", "group")

# Identifier columns of an event row and the identifier type each one is.
# previousId (alias) is the id the person had before: usually an anonymousId.
IDENTIFIERS = {
    "anonymous_id": "anonymous_id",
    "user_id": "user_id",
    "email": "email",
    "phone": "phone",
    "previous_id": "anonymous_id",
}

# Trait keys that are identifiers, not traits.
NOT_TRAITS = ("email", "phone", "user_id", "userid", "anonymous_id", "id")


# The content a derived messageId hashes: the payload without delivery metadata, which a
# retried send changes (sentAt, receivedAt) or a pipeline adds (keys starting with `_`).
_CONTENT = (
    "to_json(map_from_entries(list_transform("
    "list_filter(json_keys(j), lambda k: not starts_with(k, '_') and k not in ('sentAt', 'receivedAt')), "
    "lambda k: struct_pack(k := k, v := j->('$.\"' || replace(k, '\"', '\\\"') || '\"')))))"
)


# Text fields of an event and the JSON paths they are read from, first match wins.
FIELDS = {
    "message_id": ["$.messageId", "$.message_id"],
    "type": ["$.type"],
    "event": ["$.event"],
    "name": ["$.name"],
    "anonymous_id": ["$.anonymousId", "$.anonymous_id"],
    "user_id": ["$.userId", "$.user_id"],
    "previous_id": ["$.previousId", "$.previous_id"],
    "group_id": ["$.groupId", "$.group_id", "$.context.groupId"],
    "timestamp_raw": ["$.timestamp", "$.originalTimestamp", "$.sentAt", "$.receivedAt"],
    "email": ["$.traits.email", "$.context.traits.email", "$.properties.email"],
    "phone": ["$.traits.phone", "$.context.traits.phone"],
    "campaign_source": ["$.context.campaign.source"],
    "campaign_medium": ["$.context.campaign.medium"],
    "campaign_name": ["$.context.campaign.name"],
    "page_path": ["$.context.page.path", "$.properties.path"],
    "page_url": ["$.context.page.url", "$.properties.url"],
    "page_referrer": ["$.context.page.referrer", "$.properties.referrer"],
    "ip": ["$.context.ip"],
    "user_agent": ["$.context.userAgent", "$.context.user_agent"],
    # Segment's Consent Management: category name -> true / false, as JSON text; its own
    # column, so consent statements read this small object, not every event's context
    "consent_preferences": ["$.context.consent.categoryPreferences"],
}
# Identifiers that a group call's `traits` hold for the account (Segment's reserved group
# traits include the company's email and phone): read only from its context.traits.
PERSON_ONLY = ("email", "phone")
# Objects kept whole, as JSON; every nested path above starts with one of them.
OBJECTS = ["traits", "context", "properties"]


def _projection() -> str:
    """Each line is parsed once, by json_transform into a struct of its top-level keys
    (the three objects stay JSON); nested fields are then read from those objects, which
    are much smaller than the line: cheaper than one json_extract_string over every
    path of the whole line."""
    top: dict[str, str] = {}
    nested: dict[str, list[str]] = {name: [] for name in OBJECTS}

    def read(path: str) -> str:
        key, _, rest = path.removeprefix("$.").partition(".")
        if not rest:
            top.setdefault(key, "VARCHAR")
            return f"v.{quote(key)}"
        nested[key].append(f"$.{rest}")
        return f"{key}_values[{len(nested[key])}]"

    def first_of(values: list[str]) -> str:
        return values[0] if len(values) == 1 else f"coalesce({', '.join(values)})"

    call_type = f"lower({read('$.type')})"
    columns = []
    for name, field_paths in FIELDS.items():
        values = [read(path) for path in field_paths]
        expression = first_of(values)
        if name in PERSON_ONLY:
            # a group call's traits are the company's: its email and phone are no one's identifier
            person = [value for path, value in zip(field_paths, values) if not path.startswith("$.traits.")]
            expression = f"case when {call_type} = 'group' then {first_of(person)} else {expression} end"
        if name == "type":
            expression = f"lower({expression})"
        if name == "message_id":
            expression = f"case when {expression} is null and _cdp_error is null then 'cdp-' || md5({_CONTENT}) else {expression} end"
        columns.append(f"{expression} as {name}")
    columns += [f"v.{name}::varchar as {name}" for name in OBJECTS]
    shape = json.dumps({**top, **{name: "JSON" for name in OBJECTS}})
    values = "".join(
        f",\n            json_extract_string(v.{name}, [{', '.join(literal(p) for p in paths)}]) as {name}_values"
        for name, paths in nested.items()
        if paths
    )
    # _cdp_error is computed once, a level down: the derived messageId reads it too. The
    # timestamp is parsed once here, where the chunk is materialised: the reject reason and
    # the record read it (each parsed it again before).
    return f"""
select *, try_cast(timestamp_raw as timestamptz) as timestamp_parsed
from (
select
    _cdp_line,
    _cdp_raw,
    _cdp_error,
    {(',' + chr(10) + '    ').join(columns)}
from (
    select *, _cdp_raw as j, coalesce(_cdp_read_error, {JSON_ERROR}) as _cdp_error{values}
    from (
        select _cdp_line, _cdp_raw, _cdp_error as _cdp_read_error, try(json_transform(_cdp_raw, '{shape}')) as v
        from chunk
    )
)
)
"""


PROJECTION = _projection()

RECORD_KEY = "message_id"

_TYPES = ", ".join(f"'{t}'" for t in EVENT_TYPES)

REJECT_REASON = f"""
case
    when _cdp_error is not null then _cdp_error
    when type is null then 'missing type'
    when type not in ({_TYPES}) then 'unknown type: ' || type
    when user_id is null and anonymous_id is null then 'neither userId nor anonymousId'
    when type = 'alias' and previous_id is null then 'alias without previousId'
    when timestamp_raw is not null and timestamp_parsed is null
        then 'unparseable timestamp: ' || timestamp_raw
end
"""

# The event row as stored: identifiers trimmed later by normalisation, raw kept as JSON.
# Its record key is message_id (RECORD_KEY), not a copy of it: a unique id column is
# among the dearest to write and load.
RECORD = """
select
    message_id,
    type,
    event,
    name,
    anonymous_id,
    user_id,
    previous_id,
    group_id,
    coalesce(cast(timestamp_parsed as timestamp), $loaded_at) as timestamp,
    email,
    phone,
    campaign_source,
    campaign_medium,
    campaign_name,
    page_path,
    page_url,
    page_referrer,
    ip,
    user_agent,
    -- an object or nothing: anything else would stop the JSON reads of profile_consent
    case when try(json_type(consent_preferences)) = 'OBJECT' then consent_preferences end as consent_preferences,
    traits,
    context,
    properties,
    _cdp_line
from accepted
"""

_NOT_TRAITS = ", ".join(f"'{t}'" for t in NOT_TRAITS)

# Scalar traits from `traits` and `context.traits` (and the fields of their `address`
# object), keys in snake_case. Group calls
# carry the company's traits, not the person's, so they are left out.
_KEY_PATH = """'$."' || replace(trait_key, '"', '\\"') || '"'"""

TRAITS = f"""
with trait_objects as (
    select message_id, timestamp, traits::json as t from out_records where traits is not null and type <> 'group'
    union all
    select message_id, timestamp, (context::json)->'$.traits' from out_records where context is not null
),
keyed as (
    select message_id, timestamp, t, unnest(json_keys(t)) as trait_key, '' as prefix
    from trait_objects
    where json_type(t) = 'OBJECT'
    union all
    -- the spec's address object: its fields become address_street, address_city, ...
    select message_id, timestamp, t->'$.address', unnest(json_keys(t->'$.address')), 'address_'
    from trait_objects
    where json_type(t) = 'OBJECT' and json_type(t, '$.address') = 'OBJECT'
),
named as (
    select
        *,
        prefix || lower(replace(regexp_replace(trait_key, '([a-z0-9])([A-Z])', '\\1_\\2', 'g'), ' ', '_')) as trait,
        json_type(t, {_KEY_PATH}) as value_type,
        json_extract_string(t, {_KEY_PATH}) as value
    from keyed
)
select message_id as record_key, trait, value, timestamp as observed_at
from named
where value_type not in ('OBJECT', 'ARRAY', 'NULL') and trait not in ({_NOT_TRAITS})
"""
