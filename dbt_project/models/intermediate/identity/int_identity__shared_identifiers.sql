-- Identifiers that sit beside too many distinct stronger identifiers to belong to one
-- person: a household landline beside three people's emails, a kiosk browser beside
-- four user ids. A weak identifier (a phone) needs a name to agree before it may join
-- people: it is shared once two different full names are seen with it, and unconfirmed
-- when it would join records of different people's identifiers with no name seen at all.
-- They stay on record but never link profiles.
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
        'seen beside ' || cast(c.distinct_neighbours as {{ dbt.type_string() }}) || ' distinct ' || c.limit_type
            || ' values (limit ' || cast(l.shared_limit as {{ dbt.type_string() }}) || ')' as detail
    from counted as c
    inner join limits as l on l.limit_type = c.limit_type
    where c.distinct_neighbours > l.shared_limit
),

weak_types as (
    select identifier_type from {{ ref('stg_cdp__identifier_types') }} where weak
),

-- only the records that hold a weak identifier need their anchor and their name: ranking
-- every record's identifiers was 6 of the model's 7 s at 11M events, none of which
-- carried a phone
weak_records as (
    select distinct s.source, s.record_key
    from screened as s
    inner join weak_types as w on w.identifier_type = s.identifier_type
),

-- from the copies, which the join on the record reaches before any deduplication (the
-- largest value of a copy is the largest of the record's values)
record_names as (
    select
        t.source,
        t.record_key,
        lower(max(case when t.trait = 'first_name' then t.value end)) || ' '
            || lower(max(case when t.trait = 'last_name' then t.value end)) as full_name
    from {{ ref('stg_cdp__trait_copies') }} as t
    inner join weak_records as r on r.source = t.source and r.record_key = t.record_key
    where t.trait in ('first_name', 'last_name')
    group by t.source, t.record_key
),

-- the strongest non-weak identifier of such a record: what a weak one would join
record_anchors as (
    select source, record_key, anchor
    from (
        select
            s.source,
            s.record_key,
            s.identifier_type || ':' || s.identifier_value as anchor,
            row_number() over (
                partition by s.source, s.record_key order by s.priority, s.identifier_type, s.identifier_value
            ) as strength_rank
        from screened as s
        inner join weak_records as r on r.source = s.source and r.record_key = s.record_key
        left join weak_types as w on w.identifier_type = s.identifier_type
        where w.identifier_type is null
    ) as ranked
    where strength_rank = 1
),

weak_evidence as (
    select
        s.identifier_type,
        s.identifier_value,
        count(distinct n.full_name) as distinct_names,
        count(distinct a.anchor) as distinct_anchors
    from screened as s
    inner join weak_types as w on w.identifier_type = s.identifier_type
    left join record_names as n on n.source = s.source and n.record_key = s.record_key
    left join record_anchors as a on a.source = s.source and a.record_key = s.record_key
    group by s.identifier_type, s.identifier_value
),

name_checks as (
    select
        case when distinct_names > 1 then 'shared' else 'unconfirmed' end as rule,
        identifier_type,
        identifier_value,
        case
            when distinct_names > 1
                then 'weak: seen with ' || cast(distinct_names as {{ dbt.type_string() }}) || ' different full names'
            else 'weak: would join records of ' || cast(distinct_anchors as {{ dbt.type_string() }})
                || ' different identifiers with no name seen to confirm it'
        end as detail
    from weak_evidence
    where distinct_names > 1 or (distinct_names = 0 and distinct_anchors > 1)
),

judged as (
    select * from over_limit
    union all
    select * from name_checks
),

final as (
    select j.*
    from judged as j
    {% if incremental %}
    inner join changed as c on c.identifier_type = j.identifier_type and c.identifier_value = j.identifier_value
    {% endif %}
)

select * from final
