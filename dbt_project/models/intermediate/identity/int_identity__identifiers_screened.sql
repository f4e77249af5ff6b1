-- Every identifier observation with the verdict of the rules: ok, invalid, or blocked.
with

identifiers as (
    select * from {{ ref('stg_cdp__identifiers') }}
),

identifier_types as (
    select * from {{ ref('stg_cdp__identifier_types') }}
),

blocklist as (
    select * from {{ ref('stg_cdp__identity_blocklist') }}
),

distinct_values as (
    select distinct identifier_type, identifier_value
    from identifiers
    where identifier_value is not null
),

blocked_values as (
    select v.identifier_type, v.identifier_value, 'blocked_value' as rule, b.note as detail
    from distinct_values as v
    inner join blocklist as b on b.kind = 'value' and lower(v.identifier_value) = b.value
),

blocked_patterns as (
    select v.identifier_type, v.identifier_value, 'blocked_pattern' as rule, 'matches ' || b.value as detail
    from distinct_values as v
    inner join blocklist as b on b.kind = 'pattern' and {{ regexp_matches('lower(v.identifier_value)', 'b.value') }}
),

blocked as (
    select identifier_type, identifier_value, min(rule) as rule, min(detail) as detail
    from (
        select * from blocked_values
        union all
        select * from blocked_patterns
    ) as hits
    group by identifier_type, identifier_value
),

final as (
    select
        i.source,
        i.record_key,
        i.identifier_type,
        i.raw_value,
        i.identifier_value,
        i.observed_at,
        coalesce(t.priority, 999) as priority,
        case
            when i.identifier_value is null then 'invalid'
            when b.rule is not null then b.rule
            when t.identifier_type is null then 'unknown_type'
            else 'ok'
        end as status,
        coalesce(i.invalid_reason, b.detail) as status_detail
    from identifiers as i
    left join identifier_types as t on t.identifier_type = i.identifier_type
    left join blocked as b on b.identifier_type = i.identifier_type and b.identifier_value = i.identifier_value
)

select * from final
