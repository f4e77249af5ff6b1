-- The last build's row (int_identity__nodes_assigned) of each ok identifier landed since:
-- looked up once, for telling quiet records apart (int_identity__changed_records) and for
-- adding their observations (int_identity__quiet_identifiers), instead of each reading
-- the whole kept table. Empty on a full build.

-- depends_on: {{ ref('int_identity__resolution_starts') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
{%- set incremental = identity_is_incremental() %}
{%- set resolutions = identity_kept_relation('int_identity__resolutions') if incremental else none %}
{%- set assigned = identity_kept_relation('int_identity__nodes_assigned') if incremental else none %}

with

{% if incremental %}
final as (
    select b.*
    from {{ assigned }} as b
    where exists (
        select 1 from {{ ref('int_identity__identifiers_screened') }} as o
        where o.status = 'ok'
            and {{ landed_after('o.last_loaded_at', resolutions, 'resolved_through') }}
            and o.identifier_type = b.identifier_type and o.identifier_value = b.identifier_value
    )
)
{% else %}
final as (
    {{ identity_no_assignments() }}
)
{% endif %}

select * from final
