-- Every ok observation of the records that hold a changed identifier: all a changed
-- identifier was seen beside, which is what its shared verdict and its new links are
-- made of. Empty on a full build.

-- depends_on: {{ ref('int_identity__changed_identifiers') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
changed as (
    select * from {{ ref('int_identity__changed_identifiers') }}
),

candidate_records as (
    {{ identity_candidate_records('changed') }}
),

candidates as (
    {{ identity_observations_of('candidate_records') }}
),

records as (
    select distinct c.source, c.record_key
    from candidates as c
    inner join changed as i on i.identifier_type = c.identifier_type and i.identifier_value = c.identifier_value
),

final as (
    select c.*
    from candidates as c
    inner join records as r on r.source = c.source and r.record_key = c.record_key
)
{% else %}
final as (
    {{ identity_observations_of(none) }}
)
{% endif %}

select * from final
