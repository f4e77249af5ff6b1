-- What each identity rule did: identifiers that were invalid, blocked as junk, shared,
-- or that a per-profile limit split apart.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
),

shared as (
    select * from {{ ref('int_identity__shared_identifiers') }}
),

limited as (
    select * from {{ ref('int_identity__components_limited') }}
    where limit_type is not null
),

seeds as (
    select * from {{ ref('int_identity__limit_seeds') }}
),

nodes as (
    select * from {{ ref('int_identity__nodes') }}
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
        'shared' as rule,
        s.identifier_type,
        s.identifier_value,
        'seen beside ' || cast(s.distinct_neighbours as varchar) || ' distinct ' || s.limit_type
            || ' values (limit ' || cast(s.shared_limit as varchar) || ')' as detail,
        count(*) as observation_count
    from shared as s
    inner join screened as o
        on o.identifier_type = s.identifier_type and o.identifier_value = s.identifier_value
    group by s.identifier_type, s.identifier_value, s.distinct_neighbours, s.limit_type, s.shared_limit
),

limit_hits as (
    select
        case when s.node_id is not null then 'max_per_profile_split' else 'max_per_profile_held_apart' end as rule,
        n.identifier_type,
        n.identifier_value,
        case
            when s.node_id is not null
                then 'one of ' || cast(l.limit_type_value_count as varchar) || ' ' || l.limit_type
                    || ' values linked together (max ' || cast(l.max_per_profile as varchar) || '): split apart'
            else 'equally near ' || cast(l.nearest_seed_count as varchar) || ' ' || l.limit_type
                || ' values: kept in a profile of its own'
        end as detail,
        n.observation_count
    from limited as l
    inner join nodes as n on n.node_id = l.node_id
    left join seeds as s on s.node_id = l.node_id
    where s.node_id is not null or l.nearest_seed_count > 1
),

final as (
    select * from screened_hits
    union all
    select * from shared_hits
    union all
    select * from limit_hits
)

select * from final
