-- Every identifier observation with the verdict of the rules: ok, invalid, or blocked.
-- A record landed twice (a re-sent event, a re-exported row) observes each identifier
-- once, at its earliest time.
--
-- Incremental: a run folds in only the copies landed since the last one, merged with the
-- observations they repeat. The verdicts depend on the rules, and a change of rules (or
-- of this model) makes the next build a full refresh (orchestration/dbt/build_inputs.py).
{{ config(
    materialized='incremental',
    unique_key=['source', 'record_key', 'identifier_type', 'raw_value'],
    on_schema_change='fail',
) }}

with

landed as (
    select * from {{ ref('stg_cdp__identifiers') }}
    {% if is_incremental() %}
    where {{ landed_since_last_build('_cdp_loaded_at', 'last_loaded_at') }}
    {% endif %}
),

-- a group by rather than the row_number of `deduplicate`: every other column follows
-- from the key, and at 25M observations hashing is several times cheaper than sorting
folded as (
    select
        source,
        record_key,
        identifier_type,
        raw_value,
        min(identifier_value) as identifier_value,
        min(invalid_reason) as invalid_reason,
        min(observed_at) as observed_at,
        min(loaded_at) as first_loaded_at,
        max(loaded_at) as last_loaded_at
    from landed
    group by source, record_key, identifier_type, raw_value
),

identifiers as (
    {% if is_incremental() %}
    -- a new copy of an observation already held: min and max over all copies so far
    -- (coalesce: some engines' least returns null when one side is)
    select
        f.source,
        f.record_key,
        f.identifier_type,
        f.raw_value,
        coalesce(least(f.identifier_value, t.identifier_value), f.identifier_value, t.identifier_value) as identifier_value,
        coalesce(least(f.invalid_reason, t.invalid_reason), f.invalid_reason, t.invalid_reason) as invalid_reason,
        coalesce(least(f.observed_at, t.observed_at), f.observed_at, t.observed_at) as observed_at,
        coalesce(t.first_loaded_at, f.first_loaded_at) as first_loaded_at,
        greatest(f.last_loaded_at, t.last_loaded_at) as last_loaded_at
    from folded as f
    left join {{ this }} as t
        on t.source = f.source and t.record_key = f.record_key
        and t.identifier_type = f.identifier_type and t.raw_value = f.raw_value
    {% else %}
    select * from folded
    {% endif %}
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

-- Each pattern becomes a constant in the SQL: joining on a pattern column makes the
-- engine compile a regular expression per row (measured: 38 s instead of 0.3 s for
-- 3.3M values and two patterns).
{%- set patterns = run_query(
    "select distinct value from " ~ ref('stg_cdp__identity_blocklist') ~ " where kind = 'pattern' order by value"
).columns[0].values() if execute else [] %}

blocked_patterns as (
    {%- for pattern in patterns %}
    {%- set literal = sql_string(pattern) %}
    select v.identifier_type, v.identifier_value, 'blocked_pattern' as rule, 'matches ' || {{ literal }} as detail
    from distinct_values as v
    where {{ regexp_matches('lower(v.identifier_value)', literal) }}
    union all
    {%- endfor %}
    select cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), 'blocked_pattern', cast(null as {{ dbt.type_string() }}) where 1 = 0
),

blocked as (
    -- one verdict per value, its rule and detail from the same hit (a listed value first)
    select identifier_type, identifier_value, rule, detail
    from (
        select
            *,
            row_number() over (
                partition by identifier_type, identifier_value
                order by case when rule = 'blocked_value' then 0 else 1 end, detail
            ) as hit_rank
        from (
            select * from blocked_values
            union all
            select * from blocked_patterns
        ) as hits
    ) as ranked
    where hit_rank = 1
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
        coalesce(i.invalid_reason, b.detail) as status_detail,
        i.invalid_reason,
        -- when the observation first landed: a record all of whose observations landed
        -- since the last build is new (int_identity__changed_records)
        i.first_loaded_at,
        i.last_loaded_at,
        -- integer keys the identity region looks observations up by (identity_candidate_records)
        {{ identity_hash(['i.identifier_type', 'i.identifier_value']) }} as identifier_hash,
        {{ identity_hash(['i.source', 'i.record_key']) }} as record_hash
    from identifiers as i
    left join identifier_types as t on t.identifier_type = i.identifier_type
    left join blocked as b on b.identifier_type = i.identifier_type and b.identifier_value = i.identifier_value
)

select * from final
