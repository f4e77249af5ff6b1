-- Segment group calls, one per messageId, each with its account (groupId), the account's
-- traits as the call sent them and the profile of the person who sent it. Group calls are
-- few: the staged copies are read filtered to them, so no pass deduplicates every event.
with

copies as (
    select * from {{ ref('stg_segment__event_copies') }}
    where event_type = 'group' and group_id is not null and trim(group_id) <> ''
),

group_calls as (
    {{ deduplicate('copies', 'message_id', 'loaded_at, source_file, source_line') }}
),

records as (
    select * from {{ ref('int_identity__records_resolved') }}
    where source = 'events'
),

final as (
    select
        g.message_id,
        trim(g.group_id) as account_id,
        r.profile_id,
        g.event_at,
        -- the account's traits (a group call's `traits` are the company's, never the person's)
        g.traits,
        {{ adapter.dispatch('json_text', 'cdp')('g.traits', 'name') }} as account_name
    from group_calls as g
    left join records as r on r.record_key = g.message_id
)

select * from final
