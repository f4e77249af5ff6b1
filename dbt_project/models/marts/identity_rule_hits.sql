-- What each identity rule did: identifiers that were invalid, blocked as junk, shared,
-- split apart by a per-profile limit or an override, or joined by an override.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
),

shared as (
    select * from {{ ref('int_identity__shared_identifiers') }}
),

limited as (
    select * from {{ ref('int_identity__components_limited') }}
    where was_split
),

seeds as (
    select * from {{ ref('int_identity__limit_seeds') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
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
    select s.rule, n.identifier_type, n.identifier_value, s.detail, n.observation_count
    from seeds as s
    inner join nodes as n on n.node_id = s.node_id
    where s.node_id = s.seed_id  -- a profile held back whole is one seed: one row, for its first node
    union all
    select
        'held_apart' as rule,
        n.identifier_type,
        n.identifier_value,
        'equally near ' || cast(l.nearest_seed_count as varchar) || ' values it had to be split between: kept in a profile of its own',
        n.observation_count
    from limited as l
    inner join nodes as n on n.node_id = l.node_id
    where l.best_seed_count > 1
),

merge_hits as (
    select distinct
        'override_merge' as rule,
        n.identifier_type,
        n.identifier_value,
        'joined by ' || o.reason as detail,
        n.observation_count
    from overrides as o
    inner join nodes as n
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
