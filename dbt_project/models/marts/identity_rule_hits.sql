-- What each identity rule did: identifiers that were invalid, blocked as junk, shared,
-- split apart by a per-profile limit or an override, or joined by an override.
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

merge_hits as (
    select distinct
        'override_merge' as rule,
        n.identifier_type,
        n.identifier_value,
        'joined by ' || o.reason as detail,
        n.observation_count
    from overrides as o
    inner join {{ ref('int_identity__nodes_assigned') }} as n
        on (n.identifier_type = o.type_a and n.identifier_value = o.value_a)
        or (n.identifier_type = o.type_b and n.identifier_value = o.value_b)
    where o.action = 'merge'
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
