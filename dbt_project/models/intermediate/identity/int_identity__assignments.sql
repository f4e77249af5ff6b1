-- Each identifier's profile as of the latest run, and the profile it had before it last
-- moved. Incremental: a run rewrites only identifiers that are new or changed profile.
{{ config(materialized='incremental', full_refresh=false, unique_key=['identifier_type', 'identifier_value']) }}

-- depends_on: {{ ref('int_identity__region_identifiers') }}

with

-- an incremental build of the graph moved only the region's identifiers
current_assignments as (
    select a.identifier_type, a.identifier_value, a.profile_id
    from {{ ref('int_identity__nodes_assigned') }} as a
    {% if identity_is_incremental() %}
    inner join {{ ref('int_identity__region_identifiers') }} as r
        on r.identifier_type = a.identifier_type and r.identifier_value = a.identifier_value
    {% endif %}
),

{% if is_incremental() %}
previous_assignments as (
    select identifier_type, identifier_value, profile_id from {{ this }}
),
{% else %}
previous_assignments as (
    select cast(null as varchar) as identifier_type, cast(null as varchar) as identifier_value,
        cast(null as varchar) as profile_id
    where 1 = 0
),
{% endif %}

final as (
    select
        c.identifier_type,
        c.identifier_value,
        c.profile_id,
        p.profile_id as previous_profile_id,
        {{ run_timestamp() }} as changed_at
    from current_assignments as c
    left join previous_assignments as p
        on p.identifier_type = c.identifier_type and p.identifier_value = c.identifier_value
    where p.profile_id is null or p.profile_id <> c.profile_id
)

select * from final
