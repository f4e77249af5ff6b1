-- Each identifier's profile as of the latest run, and the profile it had before it last
-- moved. Incremental: a run rewrites only identifiers that are new or changed profile.
{{ config(materialized='incremental', full_refresh=false, unique_key=['identifier_type', 'identifier_value']) }}

with

-- this build's nodes: on an incremental build, only the region's identifiers can move
current_assignments as (
    select n.identifier_type, n.identifier_value, r.profile_id
    from {{ ref('int_identity__nodes_resolved') }} as r
    inner join {{ ref('int_identity__nodes') }} as n on n.node_id = r.node_id
    -- a weak identifier that links no one is in no profile: it moves nowhere
    where r.profile_id is not null
),

{% if is_incremental() %}
previous_assignments as (
    select identifier_type, identifier_value, profile_id from {{ this }}
),
{% else %}
previous_assignments as (
    select cast(null as {{ dbt.type_string() }}) as identifier_type, cast(null as {{ dbt.type_string() }}) as identifier_value,
        cast(null as {{ dbt.type_string() }}) as profile_id
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
