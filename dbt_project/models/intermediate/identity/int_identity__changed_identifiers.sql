-- The linkable-looking identifiers (status ok) on records that changed since the last
-- finished build: records with an identifier or a name landed since. A record that gains
-- an identifier links it to the ones it already had, and a name can confirm or share a
-- weak identifier, so every ok identifier of such a record counts. Empty on a full build.

-- depends_on: {{ ref('int_identity__resolution_starts') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
{%- set incremental = identity_is_incremental() %}
{%- set resolutions = identity_kept_relation('int_identity__resolutions') if incremental else none %}

with

{% if incremental %}
changed_records as (
    select source, record_key
    from {{ ref('int_identity__identifiers_screened') }}
    where {{ landed_after('last_loaded_at', resolutions, 'resolved_through') }}
    union
    select source, record_key
    from {{ source_or_empty('traits', {'source': 'varchar', 'record_key': 'varchar', 'trait': 'varchar',
        '_cdp_loaded_at': 'timestamp'}) }} as t
    where t.trait in ('first_name', 'last_name')
        and {{ landed_after('t._cdp_loaded_at', resolutions, 'resolved_through') }}
),

final as (
    select distinct s.identifier_type, s.identifier_value
    from {{ ref('int_identity__identifiers_screened') }} as s
    inner join changed_records as c on c.source = s.source and c.record_key = s.record_key
    where s.status = 'ok'
)
{% else %}
final as (
    {{ identity_no_identifiers() }}
)
{% endif %}

select * from final
