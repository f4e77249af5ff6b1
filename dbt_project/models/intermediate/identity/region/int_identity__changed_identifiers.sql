-- The linkable-looking identifiers (status ok) on records that changed since the last
-- finished build (int_identity__changed_records), but for the quiet ones. A record that
-- gains an identifier links it to the ones it already had, and a name can confirm or
-- share a weak identifier, so every ok identifier of such a record counts. Empty on a
-- full build.

-- depends_on: {{ ref('int_identity__changed_records') }}
-- depends_on: {{ ref('int_identity__identifiers_screened') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
final as (
    select distinct s.identifier_type, s.identifier_value
    from {{ ref('int_identity__identifiers_screened') }} as s
    inner join {{ ref('int_identity__changed_records') }} as c on c.source = s.source and c.record_key = s.record_key
    where s.status = 'ok' and not c.is_quiet
)
{% else %}
final as (
    {{ identity_no_identifiers() }}
)
{% endif %}

select * from final
