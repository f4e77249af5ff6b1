-- Identifiers that sit beside too many distinct stronger identifiers to belong to one
-- person: a household landline beside three people's emails, a kiosk browser beside
-- four user ids. A weak identifier (a phone) is shared too once two different full names
-- are seen with it. They stay on record but never link profiles.
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

over_limit as (
    select c.identifier_type, c.identifier_value, c.limit_type, c.distinct_neighbours, l.shared_limit
    from counted as c
    inner join limits as l on l.limit_type = c.limit_type
    where c.distinct_neighbours > l.shared_limit
),

weak_types as (
    select identifier_type from {{ ref('stg_cdp__identifier_types') }} where weak
),

record_names as (
    select
        source,
        record_key,
        lower(max(case when trait = 'first_name' then value end)) || ' '
            || lower(max(case when trait = 'last_name' then value end)) as full_name
    from {{ ref('stg_cdp__traits') }}
    where trait in ('first_name', 'last_name')
    group by source, record_key
),

name_conflicts as (
    select
        s.identifier_type,
        s.identifier_value,
        'name' as limit_type,
        count(distinct n.full_name) as distinct_neighbours,
        1 as shared_limit
    from screened as s
    inner join weak_types as w on w.identifier_type = s.identifier_type
    inner join record_names as n on n.source = s.source and n.record_key = s.record_key
    where n.full_name is not null
    group by s.identifier_type, s.identifier_value
    having count(distinct n.full_name) > 1
),

final as (
    select * from over_limit
    union all
    select * from name_conflicts
)

select * from final
