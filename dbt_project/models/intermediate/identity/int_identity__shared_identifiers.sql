-- Identifiers that sit beside too many distinct stronger identifiers to belong to one
-- person: a household landline beside three people's emails, a kiosk browser beside
-- four user ids. They stay on record but never link profiles.
with

screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),

limits as (
    select identifier_type as limit_type, priority as limit_priority, shared_limit
    from {{ ref('stg_cdp__identifier_types') }}
    where shared_limit is not null
),

neighbours as (
    select
        a.identifier_type,
        a.identifier_value,
        b.identifier_type as limit_type,
        b.identifier_value as neighbour_value
    from screened as a
    inner join screened as b
        on b.source = a.source
        and b.record_key = a.record_key
        and b.identifier_type <> a.identifier_type
    inner join limits as l
        on l.limit_type = b.identifier_type
        -- only a weaker identifier can be shared by stronger ones: a user id beside
        -- three emails is one person with three emails
        and l.limit_priority < a.priority
),

counted as (
    select identifier_type, identifier_value, limit_type, count(distinct neighbour_value) as distinct_neighbours
    from neighbours
    group by identifier_type, identifier_value, limit_type
),

final as (
    select c.identifier_type, c.identifier_value, c.limit_type, c.distinct_neighbours, l.shared_limit
    from counted as c
    inner join limits as l on l.limit_type = c.limit_type
    where c.distinct_neighbours > l.shared_limit
)

select * from final
