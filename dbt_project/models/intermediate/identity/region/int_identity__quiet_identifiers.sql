-- The identifiers of the quiet records outside the region (int_identity__quiet_records),
-- as the last build left them with these records' observations added: seen times, count
-- and sources are all that change. int_identity__nodes_assigned replaces their rows with
-- these. Empty on a full build.

-- depends_on: {{ ref('int_identity__quiet_records') }}
-- depends_on: {{ ref('int_identity__landed_assignments') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
{%- set incremental = identity_is_incremental() %}
{%- set resolutions = identity_kept_relation('int_identity__resolutions') if incremental else none %}

with

{% if incremental %}
observed as (
    select
        o.identifier_type,
        o.identifier_value,
        min(o.observed_at) as first_seen_at,
        max(o.observed_at) as last_seen_at,
        count(*) as observation_count
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join {{ ref('int_identity__quiet_records') }} as q on q.source = o.source and q.record_key = o.record_key
    where o.status = 'ok' and {{ landed_after('o.last_loaded_at', resolutions, 'resolved_through') }}
    group by o.identifier_type, o.identifier_value
),

final as (
    select
        b.profile_id,
        b.identifier_type,
        b.identifier_value,
        b.priority,
        least(b.first_seen_at, o.first_seen_at) as first_seen_at,
        greatest(b.last_seen_at, o.last_seen_at) as last_seen_at,
        cast(b.observation_count + o.observation_count as {{ dbt.type_bigint() }}) as observation_count,
        -- a quiet record's source is among its identifiers' sources already
        b.sources,
        b.component_key,
        b.split_rule,
        b.split_detail
    from {{ ref('int_identity__landed_assignments') }} as b
    inner join observed as o on o.identifier_type = b.identifier_type and o.identifier_value = b.identifier_value
)
{% else %}
final as (
    {{ identity_no_assignments() }}
)
{% endif %}

select * from final
