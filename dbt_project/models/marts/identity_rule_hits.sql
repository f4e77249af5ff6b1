-- What each identity rule did: identifiers that were invalid, blocked as junk, or shared.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
),

shared as (
    select * from {{ ref('int_identity__shared_identifiers') }}
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

final as (
    select * from screened_hits
    union all
    select * from shared_hits
)

select * from final
