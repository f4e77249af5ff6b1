-- Who belongs to which account: a person who sent a group call for it, or whose record in
-- a declared source names it (accounts.members_from), seen first and last at those times.
with

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
),

declared as (
    select * from {{ ref('int_accounts__declared_members') }}
),

sightings as (
    select account_id, profile_id, event_at as seen_at from group_calls
    where profile_id is not null
    union all
    select account_id, profile_id, seen_at from declared
),

final as (
    select
        account_id,
        profile_id,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at
    from sightings
    group by account_id, profile_id
)

select * from final
