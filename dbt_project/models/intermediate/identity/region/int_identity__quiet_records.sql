-- The quiet records (int_identity__changed_records) outside the region, with their
-- profile: they take it as they land, and their identifiers only gain observations
-- (int_identity__quiet_identifiers). A quiet record in the region, which other records
-- made the build resolve again, is resolved with it. Empty on a full build.

-- depends_on: {{ ref('int_identity__changed_records') }}
-- depends_on: {{ ref('int_identity__region_identifiers') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
{%- set incremental = identity_is_incremental() %}
{%- set resolutions = identity_kept_relation('int_identity__resolutions') if incremental else none %}

with

{% if incremental %}
quiet as (
    select source, record_key, profile_id
    from {{ ref('int_identity__changed_records') }}
    where is_quiet
),

-- a quiet record's identifiers are one whole component: the region holds all or none of
-- them, so one in the region puts the record there
in_region as (
    select distinct o.source, o.record_key
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join {{ ref('int_identity__region_identifiers') }} as r
        on r.identifier_type = o.identifier_type and r.identifier_value = o.identifier_value
    where o.status = 'ok' and {{ landed_after('o.last_loaded_at', resolutions, 'resolved_through') }}
),

final as (
    select q.source, q.record_key, q.profile_id
    from quiet as q
    left join in_region as r on r.source = q.source and r.record_key = q.record_key
    where r.record_key is null
)
{% else %}
final as (
    select
        cast(null as {{ dbt.type_string() }}) as source,
        cast(null as {{ dbt.type_string() }}) as record_key,
        cast(null as {{ dbt.type_string() }}) as profile_id
    where 1 = 0
)
{% endif %}

select * from final
