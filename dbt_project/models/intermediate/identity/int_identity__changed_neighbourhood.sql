-- Every ok observation of the records that hold a changed identifier: all a changed
-- identifier was seen beside, which is what its shared verdict and its new links are
-- made of. Empty on a full build.

-- depends_on: {{ ref('int_identity__changed_identifiers') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
records as (
    {{ identity_records_holding(ref('int_identity__changed_identifiers')) }}
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
