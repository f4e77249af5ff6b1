-- Every linkable-looking observation (status ok) of the records that hold an identifier
-- of the region: what an incremental build resolves again. Empty on a full build, which
-- reads all observations instead (the identity_observations macro).

-- depends_on: {{ ref('int_identity__region_identifiers') }}
{%- set incremental = identity_is_incremental() %}

with

{% if incremental %}
region_records as (
    select distinct o.source, o.record_key
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join {{ ref('int_identity__region_identifiers') }} as r
        on r.identifier_type = o.identifier_type and r.identifier_value = o.identifier_value
    where o.status = 'ok'
),

final as (
    select o.*
    from {{ ref('int_identity__identifiers_screened') }} as o
    inner join region_records as r on r.source = o.source and r.record_key = o.record_key
    where o.status = 'ok'
)
{% else %}
final as (
    select * from {{ ref('int_identity__identifiers_screened') }}
    where 1 = 0
)
{% endif %}

select * from final
