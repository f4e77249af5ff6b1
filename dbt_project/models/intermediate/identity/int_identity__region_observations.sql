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

-- the rest are records of region identifiers that did not change: usually few, so their
-- pass over the observations probes a small table
unchanged_region as (
    select r.*
    from region as r
    where not exists (
        select 1 from {{ ref('int_identity__changed_identifiers') }} as c
        where c.identifier_type = r.identifier_type and c.identifier_value = r.identifier_value
    )
),

records_of_unchanged as (
    {{ identity_records_holding('unchanged_region') }}
),

other_records as (
    select u.source, u.record_key
    from records_of_unchanged as u
    where not exists (select 1 from known_records as k where k.source = u.source and k.record_key = u.record_key)
),

final as (
    select n.*
    from {{ ref('int_identity__changed_neighbourhood') }} as n
    inner join known_records as k on k.source = n.source and k.record_key = n.record_key
    union all
    {{ identity_observations_of('other_records') }}
)
{% else %}
final as (
    {{ identity_observations_of(none) }}
)
{% endif %}

select * from final
