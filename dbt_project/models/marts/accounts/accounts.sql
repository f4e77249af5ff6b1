-- One row per account: every groupId of a group call and every account a declared source
-- names (a CRM company). Its name and traits are the latest a group call sent; an account
-- only a declared source names is called by that value.
with

group_calls as (
    select * from {{ ref('int_accounts__group_calls') }}
),

declared as (
    select * from {{ ref('int_accounts__declared_members') }}
),

memberships as (
    select * from {{ ref('account_memberships') }}
),

-- the latest group call of each account, and the latest that named it
ranked as (
    select
        account_id,
        traits,
        account_name,
        row_number() over (partition by account_id order by event_at desc, message_id desc) as latest_rank,
        row_number() over (
            partition by account_id order by case when account_name is null then 1 else 0 end, event_at desc, message_id desc
        ) as named_rank
    from group_calls
),

sent as (
    select
        account_id,
        max(case when latest_rank = 1 then traits end) as traits,
        max(case when named_rank = 1 then account_name end) as account_name
    from ranked
    group by account_id
),

sightings as (
    select account_id, event_at as seen_at, 'group' as origin from group_calls
    union all
    select account_id, seen_at, 'declared' as origin from declared
),

seen as (
    select
        account_id,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at,
        max(case when origin = 'declared' then 1 else 0 end) as is_declared
    from sightings
    group by account_id
),

members as (
    select account_id, count(*) as member_count
    from memberships
    group by account_id
),

final as (
    select
        s.account_id,
        coalesce(t.account_name, case when s.is_declared = 1 then s.account_id end) as name,
        t.traits,
        s.first_seen_at,
        s.last_seen_at,
        cast(coalesce(m.member_count, 0) as bigint) as member_count
    from seen as s
    left join sent as t on t.account_id = s.account_id
    left join members as m on m.account_id = s.account_id
)

select * from final
