-- What each identity rule did: identifiers that were invalid, blocked as junk, shared,
-- kept on their profile through a conflict, unconfirmed (a weak identifier no evidence
-- lets join the groups it is beside), split apart by a per-profile limit or an override,
-- joined by an override or held back from it.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
),

shared as (
    select * from {{ ref('int_identity__shared_identifiers') }}
),

overrides as (
    select * from {{ ref('stg_cdp__identity_overrides') }}
),

screened_hits as (
    select
        status as rule,
        identifier_type,
        coalesce(identifier_value, raw_value) as identifier_value,
        min(status_detail) as detail,
        count(*) as observation_count
    from screened
    where status <> 'ok'
    group by status, identifier_type, coalesce(identifier_value, raw_value)
),

shared_hits as (
    select
        s.rule,
        s.identifier_type,
        s.identifier_value,
        s.detail,
        count(*) as observation_count
    from shared as s
    inner join screened as o
        on o.identifier_type = s.identifier_type and o.identifier_value = s.identifier_value
    group by s.rule, s.identifier_type, s.identifier_value, s.detail
),

split_hits as (
    select split_rule as rule, identifier_type, identifier_value, split_detail as detail, observation_count
    from {{ ref('int_identity__nodes_assigned') }}
    where split_rule is not null
),

assigned as (
    select * from {{ ref('int_identity__nodes_assigned') }} where profile_id is not null
),

-- a reviewed merge joins its two identifiers, unless a cap or a per-profile limit holds
-- it back: then both stay where they are, and the hit names the two profiles
merges as (
    select o.reason, a.profile_id as profile_a, b.profile_id as profile_b,
        a.identifier_type as type_a, a.identifier_value as value_a, a.observation_count as count_a,
        b.identifier_type as type_b, b.identifier_value as value_b, b.observation_count as count_b
    from overrides as o
    inner join assigned as a on a.identifier_type = o.type_a and a.identifier_value = o.value_a
    inner join assigned as b on b.identifier_type = o.type_b and b.identifier_value = o.value_b
    where o.action = 'merge'
),

-- what keeps two profiles apart: the split rule of their seeds
keeping_apart as (
    select profile_id, min(split_rule) as split_rule
    from assigned
    where split_rule in ('cap_held_back', 'max_per_profile_split', 'override_split')
    group by profile_id
),

merge_outcomes as (
    select
        m.*,
        case when m.profile_a = m.profile_b then 'override_merge' else 'override_held_back' end as rule,
        case
            when m.profile_a = m.profile_b then 'joined by ' || m.reason
            else m.reason || ': held back, profile ' || m.profile_a || ' and profile ' || m.profile_b || ' stay apart ('
                || case coalesce(ka.split_rule, kb.split_rule)
                    when 'cap_held_back' then 'a profile at a cap or the two over identity.max_identifiers_per_profile; see their cap_held_back hits'
                    when 'max_per_profile_split' then 'together they would be over a max_per_profile'
                    when 'override_split' then 'a reviewed split keeps them apart'
                    else 'the identity rules keep them apart'
                end || ')'
        end as detail
    from merges as m
    left join keeping_apart as ka on ka.profile_id = m.profile_a
    left join keeping_apart as kb on kb.profile_id = m.profile_b
),

merge_hits as (
    select distinct rule, type_a as identifier_type, value_a as identifier_value, detail, count_a as observation_count
    from merge_outcomes
    union
    select distinct rule, type_b, value_b, detail, count_b
    from merge_outcomes
),

final as (
    select * from screened_hits
    union all
    select * from shared_hits
    union all
    select * from split_hits
    union all
    select * from merge_hits
)

select * from final
