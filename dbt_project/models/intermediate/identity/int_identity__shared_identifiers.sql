-- Identifiers that sit beside too many distinct stronger identifiers to belong to one
-- person: a household landline beside three people's emails, a kiosk browser beside
-- four user ids. They stay on record but never link profiles. (What evidence a weak
-- identifier within the limits needs to link is int_identity__bridges'.)
--
-- Kept between builds: an incremental build judges again only the changed identifiers
-- (int_identity__changed_identifiers), from every record that holds one.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ identity_replace_rows(['identifier_type', 'identifier_value'], ref('int_identity__changed_identifiers')) }}",
) }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
changed as (
    select * from {{ ref('int_identity__changed_identifiers') }}
),

-- every record holding a changed identifier: what it was seen beside
screened as (
    select * from {{ ref('int_identity__changed_neighbourhood') }}
),
{% else %}
-- depends_on: {{ ref('int_identity__changed_neighbourhood') }}
screened as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where status = 'ok'
),
{% endif %}

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
    select
        'shared' as rule,
        c.identifier_type,
        c.identifier_value,
        'seen beside ' || cast(c.distinct_neighbours as varchar) || ' distinct ' || c.limit_type
            || ' values (limit ' || cast(l.shared_limit as varchar) || ')' as detail
    from counted as c
    inner join limits as l on l.limit_type = c.limit_type
    where c.distinct_neighbours > l.shared_limit
),

judged as (
    select * from over_limit
),

final as (
    select j.*
    from judged as j
    {% if incremental %}
    inner join changed as c on c.identifier_type = j.identifier_type and c.identifier_value = j.identifier_value
    {% endif %}
)

select * from final
