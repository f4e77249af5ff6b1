"""Segment-spec events: how a raw JSON line becomes an event row, its identifiers and traits.

The spec's rules (https://segment.com/docs/connections/spec/common/) applied here:
an event needs a `userId` or an `anonymousId`; snake_case `user_id` counts too; a
payload without `messageId` gets a deterministic id from its content, so a re-sent
copy is stored once; `timestamp` falls back to `originalTimestamp`, `sentAt`,
`receivedAt`, then the load time.
"""

from __future__ import annotations

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


def _first(*paths: str) -> str:
    return "coalesce(" + ", ".join(f"j->>'{p}'" for p in paths) + ")"


PROJECTION = f"""
select
    _cdp_line,
    _cdp_raw,
    coalesce({_first('$.messageId', '$.message_id')}, 'cdp-' || md5(j::varchar)) as message_id,
    lower(j->>'$.type') as type,
    j->>'$.event' as event,
    j->>'$.name' as name,
    {_first('$.anonymousId', '$.anonymous_id')} as anonymous_id,
    {_first('$.userId', '$.user_id')} as user_id,
    {_first('$.previousId', '$.previous_id')} as previous_id,
    {_first('$.groupId', '$.group_id', '$.context.groupId')} as group_id,
    {_first('$.timestamp', '$.originalTimestamp', '$.sentAt', '$.receivedAt')} as timestamp_raw,
    {_first('$.traits.email', '$.context.traits.email', '$.properties.email')} as email,
    {_first('$.traits.phone', '$.context.traits.phone')} as phone,
    j->>'$.context.campaign.source' as campaign_source,
    j->>'$.context.campaign.medium' as campaign_medium,
    j->>'$.context.campaign.name' as campaign_name,
    {_first('$.context.page.path', '$.properties.path')} as page_path,
    {_first('$.context.page.url', '$.properties.url')} as page_url,
    {_first('$.context.page.referrer', '$.properties.referrer')} as page_referrer,
    j->>'$.context.ip' as ip,
    {_first('$.context.userAgent', '$.context.user_agent')} as user_agent,
    (j->'$.traits')::varchar as traits,
    (j->'$.context')::varchar as context,
    (j->'$.properties')::varchar as properties
from (select _cdp_line, _cdp_raw, _cdp_raw::json as j from valid_json)
"""

_TYPES = ", ".join(f"'{t}'" for t in EVENT_TYPES)

REJECT_REASON = f"""
case
    when type is null then 'missing type'
    when type not in ({_TYPES}) then 'unknown type: ' || type
    when user_id is null and anonymous_id is null then 'neither userId nor anonymousId'
    when type = 'alias' and previous_id is null then 'alias without previousId'
    when type = 'track' and event is null then 'track without event'
    when timestamp_raw is not null and try_cast(timestamp_raw as timestamptz) is null
        then 'unparseable timestamp: ' || timestamp_raw
end
"""

# The event row as stored: identifiers trimmed later by normalisation, raw kept as JSON.
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
    coalesce(cast(try_cast(timestamp_raw as timestamptz) as timestamp), $loaded_at) as timestamp,
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
    traits,
    context,
    properties,
    message_id as _cdp_record_key,
    _cdp_line
from accepted
"""

_NOT_TRAITS = ", ".join(f"'{t}'" for t in NOT_TRAITS)

# Scalar traits from `traits` and `context.traits`, keys in snake_case. Group calls
# carry the company's traits, not the person's, so they are left out.
_KEY_PATH = """'$."' || replace(trait_key, '"', '\\"') || '"'"""

TRAITS = f"""
with trait_objects as (
    select message_id, timestamp, traits::json as t from records where traits is not null and type <> 'group'
    union all
    select message_id, timestamp, (context::json)->'$.traits' from records where context is not null
),
keyed as (
    select message_id, timestamp, t, unnest(json_keys(t)) as trait_key
    from trait_objects
    where json_type(t) = 'OBJECT'
),
named as (
    select
        *,
        lower(replace(regexp_replace(trait_key, '([a-z0-9])([A-Z])', '\\1_\\2', 'g'), ' ', '_')) as trait,
        json_type(t, {_KEY_PATH}) as value_type,
        json_extract_string(t, {_KEY_PATH}) as value
    from keyed
)
select message_id as record_key, trait, value, timestamp as observed_at
from named
where value_type not in ('OBJECT', 'ARRAY', 'NULL') and trait not in ({_NOT_TRAITS})
"""
