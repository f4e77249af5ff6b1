-- Every ok observation of the records that hold an identifier of the region: what an
-- incremental build resolves again. Empty on a full build, which reads all observations
-- instead (the identity_observations macro).

-- depends_on: {{ ref('int_identity__region_identifiers') }}
-- depends_on: {{ ref('int_identity__changed_neighbourhood') }}
-- depends_on: {{ ref('int_identity__changed_identifiers') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
region as (
    select * from {{ ref('int_identity__region_identifiers') }}
),

-- the changed neighbourhood holds every record of a changed identifier, whole
known_records as (
    select distinct n.source, n.record_key
    from {{ ref('int_identity__changed_neighbourhood') }} as n
    inner join region as r on r.identifier_type = n.identifier_type and r.identifier_value = n.identifier_value
),

-- the rest are records of region identifiers that did not change and hold no changed one
unchanged_region as (
    select r.*
    from region as r
    where not exists (
        select 1 from {{ ref('int_identity__changed_identifiers') }} as c
        where c.identifier_type = r.identifier_type and c.identifier_value = r.identifier_value
    )
),

candidate_records as (
    {{ identity_candidate_records('unchanged_region') }}
),

candidates as (
    {{ identity_observations_of('candidate_records') }}
),

other_records as (
    select distinct c.source, c.record_key
    from candidates as c
    inner join unchanged_region as u on u.identifier_type = c.identifier_type and u.identifier_value = c.identifier_value
    where not exists (select 1 from known_records as k where k.source = c.source and k.record_key = c.record_key)
),

final as (
    select n.*
    from {{ ref('int_identity__changed_neighbourhood') }} as n
    inner join known_records as k on k.source = n.source and k.record_key = n.record_key
    union all
    select c.*
    from candidates as c
    inner join other_records as o on o.source = c.source and o.record_key = c.record_key
)
{% else %}
final as (
    {{ identity_observations_of(none) }}
)
{% endif %}

select * from final
