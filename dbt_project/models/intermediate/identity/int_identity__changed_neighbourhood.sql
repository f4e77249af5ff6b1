-- Every ok observation of the records that hold a changed identifier: all a changed
-- identifier was seen beside, which is what its shared verdict and its new links are
-- made of. Empty on a full build.

-- depends_on: {{ ref('int_identity__changed_identifiers') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
records as (
    select distinct o.source, o.record_key
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join {{ ref('int_identity__changed_identifiers') }} as c
        on c.identifier_type = o.identifier_type and c.identifier_value = o.identifier_value
    where o.status = 'ok'
),

final as (
    {{ identity_observations_of('records') }}
)
{% else %}
final as (
    {{ identity_observations_of(none) }}
)
{% endif %}

select * from final
